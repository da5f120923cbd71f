environment        = "prod"
vpc_id             = "vpc-0a1b2c3d4e5f60718"
public_subnet_ids  = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002", "subnet-0a1b2c3d4e5f60005"]
private_subnet_ids = ["subnet-0a1b2c3d4e5f60003", "subnet-0a1b2c3d4e5f60004", "subnet-0a1b2c3d4e5f60006"]
certificate_arn    = "arn:aws:acm:eu-west-1:123456789012:certificate/6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b"
domain             = "example.com"
zone_id            = "Z0123456789ABCDEFGHIJ"
min_size           = 3
max_size           = 30
api_image          = "public.ecr.aws/nginx/nginx:1.27"
web_services       = { www = "public.ecr.aws/nginx/nginx:1.27", admin = "public.ecr.aws/nginx/nginx:1.27" }

database_url_parameter_arn = "arn:aws:ssm:eu-west-1:123456789012:parameter/prod/api/database-url"
api_token_secret_arn       = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/api/token-Ab12Cd"
