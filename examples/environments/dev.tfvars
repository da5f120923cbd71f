environment         = "dev"
vpc_id              = "vpc-0d1e2f3a4b5c60718"
public_subnet_ids   = ["subnet-0d1e2f3a4b5c60001", "subnet-0d1e2f3a4b5c60002"]
private_subnet_ids  = ["subnet-0d1e2f3a4b5c60003", "subnet-0d1e2f3a4b5c60004"]
certificate_arn     = "arn:aws:acm:eu-west-1:123456789012:certificate/0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"
domain              = "dev.example.com"
zone_id             = "Z0DEV0123456789ABCDEF"
min_size            = 1
max_size            = 3
deletion_protection = false
api_image           = "public.ecr.aws/nginx/nginx:1.27"
web_services        = { www = "public.ecr.aws/nginx/nginx:1.27" }

database_url_parameter_arn = "arn:aws:ssm:eu-west-1:123456789012:parameter/dev/api/database-url"
api_token_secret_arn       = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:dev/api/token-Xy12Zw"
