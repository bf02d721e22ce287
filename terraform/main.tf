terraform {
  required_version = ">= 1.6"
  required_providers {
    google      = { source = "hashicorp/google", version = ">= 6.0" }
    google-beta = { source = "hashicorp/google-beta", version = ">= 6.0" }
    archive     = { source = "hashicorp/archive", version = ">= 2.4" }
  }
}

provider "google" {
  project = var.project_id
  region  = var.region
}

provider "google-beta" {
  project = var.project_id
  region  = var.region
}

variable "project_id" { type = string }
variable "region" {
  type    = string
  default = "us-central1"
}
variable "source_dir" {
  description = "Built package (npm run build && npm prune --omit=dev): package.json, package-lock.json, dist/"
  type        = string
  default     = ".."
}
variable "min_instances" {
  description = "Per-function min instances override for hot paths, e.g. { numbersSearchAvailable = 1 }"
  type        = map(number)
  default     = {}
}
