# A service is imported as <cluster name>/<service name>.
terraform import ecsprod_service.api prod/api
