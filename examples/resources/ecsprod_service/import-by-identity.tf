import {
  to       = ecsprod_service.api
  identity = { cluster = "prod", name = "api" }
}
