terraform {
  required_providers {
    ecsprod = {
      source  = "ecsprod/ecsprod"
      version = "~> 0.1"
    }
  }
}

# Credentials and region come from the standard AWS environment
# (AWS_PROFILE, AWS_REGION, AWS_ACCESS_KEY_ID, ...); every setting below is optional.
provider "ecsprod" {
  region = "eu-west-1"

  default_tags = {
    ManagedBy   = "terraform"
    Environment = "prod"
  }
}
