# The public entry: API Gateway routes each public method+path to its own function (the config is
# generated from the endpoint table: terraform/api-gateway.openapi2.json.tpl, `npm run generate`).
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
        functions_base_url = "https://${var.region}-${var.project_id}.cloudfunctions.net"
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
