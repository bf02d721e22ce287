# The public entry, and the only one: API Gateway routes each public method+path to its own function
# (the config is generated from the endpoint table: terraform/api-gateway.openapi2.json.tpl, `npm run
# generate`). Its service account is the only invoker of those functions (functions.tf); it calls each
# with an ID token for the function's URL (jwt_audience) and passes the caller's Authorization on as
# X-Forwarded-Authorization. No quota is configured here: API Gateway keeps quotas per consumer
# project, identified by an API key, and this API takes Firebase ID tokens, not API keys. The backstop
# is each function's max instances and the per-instance request limit (LIMIT_REQUESTS_PER_MINUTE).
resource "google_service_account" "gateway" {
  account_id   = "numbers-gateway"
  display_name = "API Gateway backend identity"
}

resource "google_api_gateway_api" "numbers" {
  provider = google-beta
  api_id   = "numbers-api"
}

resource "google_api_gateway_api_config" "numbers" {
  provider             = google-beta
  api                  = google_api_gateway_api.numbers.api_id
  api_config_id_prefix = "numbers-"
  openapi_documents {
    document {
      path = "openapi2.json"
      contents = base64encode(templatefile("${path.module}/api-gateway.openapi2.json.tpl", {
        # Each route's backend address and the audience of the gateway's ID token: <this>/<function>.
        functions_base_url = local.functions_base_url
      }))
    }
  }
  gateway_config {
    backend_config {
      google_service_account = google_service_account.gateway.email
    }
  }
  lifecycle {
    create_before_destroy = true
  }
}

resource "google_api_gateway_gateway" "numbers" {
  provider   = google-beta
  region     = var.region
  gateway_id = "numbers-gateway"
  api_config = google_api_gateway_api_config.numbers.id
}

output "api_url" {
  value = "https://${google_api_gateway_gateway.numbers.default_hostname}"
}
