resource "ecsprod_cluster" "main" {
  name               = "prod"
  vpc_id             = "vpc-0a1b2c3d4e5f60718"
  public_subnet_ids  = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]
  private_subnet_ids = ["subnet-0a1b2c3d4e5f60003", "subnet-0a1b2c3d4e5f60004"]
  certificate_arn    = "arn:aws:acm:eu-west-1:123456789012:certificate/6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b"

  # Optional: these are the defaults.
  instance_types          = ["m6i.large", "m6a.large", "m5.large"]
  min_size                = 2
  max_size                = 10
  on_demand_base_capacity = 2
  target_capacity         = 80
}

# Graviton (arm64) instances run the arm64 ECS-optimized AMI. With ami_update = "latest" the
# cluster follows the AMI AWS recommends: once AWS publishes a new one, the next plan shows the
# ami_id change and the apply rolls the instances with an instance refresh (new instances start
# before old ones are drained and terminated; a failed refresh is rolled back).
resource "ecsprod_cluster" "graviton" {
  name               = "batch"
  vpc_id             = "vpc-0a1b2c3d4e5f60718"
  public_subnet_ids  = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]
  private_subnet_ids = ["subnet-0a1b2c3d4e5f60003", "subnet-0a1b2c3d4e5f60004"]
  certificate_arn    = "arn:aws:acm:eu-west-1:123456789012:certificate/6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b"

  instance_types = ["m7g.large", "m6g.large", "c7g.large"]
  ami_update     = "latest"

  timeouts = {
    update = "60m" # an AMI roll-out replaces every instance
  }
}
