{
  "swagger": "2.0",
  "info": {
    "title": "numbers-platform",
    "version": "1.0.0",
    "description": "Generated from functions/endpoints.ts. The only way in: each function may be invoked by the gateway’s service account alone. The functions verify the caller’s Firebase ID token (from X-Forwarded-Authorization) and provider signatures themselves. No gateway quota: API Gateway quotas are kept per consumer project and need API keys, which this API does not use."
  },
  "schemes": [
    "https"
  ],
  "produces": [
    "application/json"
  ],
  "paths": {
    "/v1/openapi.json": {
      "get": {
        "operationId": "openapi",
        "summary": "This API’s OpenAPI 3.1 document",
        "x-google-backend": {
          "address": "${functions_base_url}/openapi",
          "jwt_audience": "${functions_base_url}/openapi",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "options": {
        "operationId": "openapiPreflight",
        "summary": "CORS preflight for /v1/openapi.json",
        "x-google-backend": {
          "address": "${functions_base_url}/openapi",
          "jwt_audience": "${functions_base_url}/openapi",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "CORS preflight answer"
          }
        }
      }
    },
    "/v1/numbers/available": {
      "get": {
        "operationId": "numbersSearchAvailable",
        "summary": "Search numbers available to buy at a provider (numbers the tenant released within RELEASE_QUARANTINE_DAYS left out)",
        "x-google-backend": {
          "address": "${functions_base_url}/numbersSearchAvailable",
          "jwt_audience": "${functions_base_url}/numbersSearchAvailable",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 30
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "options": {
        "operationId": "numbersSearchAvailablePreflight",
        "summary": "CORS preflight for /v1/numbers/available",
        "x-google-backend": {
          "address": "${functions_base_url}/numbersSearchAvailable",
          "jwt_audience": "${functions_base_url}/numbersSearchAvailable",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "CORS preflight answer"
          }
        }
      }
    },
    "/v1/numbers": {
      "post": {
        "operationId": "numbersCreate",
        "summary": "Buy a number, or import one into Vapi (provider \"vapi\" with a source)",
        "x-google-backend": {
          "address": "${functions_base_url}/numbersCreate",
          "jwt_audience": "${functions_base_url}/numbersCreate",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "get": {
        "operationId": "numbersList",
        "summary": "List the tenant’s numbers (filters, cursor pagination, newest first)",
        "x-google-backend": {
          "address": "${functions_base_url}/numbersList",
          "jwt_audience": "${functions_base_url}/numbersList",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 30
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "options": {
        "operationId": "numbersCreatePreflight",
        "summary": "CORS preflight for /v1/numbers",
        "x-google-backend": {
          "address": "${functions_base_url}/numbersCreate",
          "jwt_audience": "${functions_base_url}/numbersCreate",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "CORS preflight answer"
          }
        }
      }
    },
    "/v1/numbers/{id}": {
      "get": {
        "operationId": "numbersGet",
        "summary": "Get one of the tenant’s numbers, by id or by its E.164 (/v1/numbers/+14155550123)",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/numbersGet",
          "jwt_audience": "${functions_base_url}/numbersGet",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 30
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "patch": {
        "operationId": "numbersUpdate",
        "summary": "Change display name, tags, channels, webhook URL or active/inactive status (by id or E.164)",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/numbersUpdate",
          "jwt_audience": "${functions_base_url}/numbersUpdate",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "delete": {
        "operationId": "numbersRelease",
        "summary": "Release a number back to the provider, by id or by E.164 (admin; irreversible; ?force=true detaches it from its agents; ?recordsOnly=true drops a detached number from our records only)",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/numbersRelease",
          "jwt_audience": "${functions_base_url}/numbersRelease",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "options": {
        "operationId": "numbersGetPreflight",
        "summary": "CORS preflight for /v1/numbers/{id}",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/numbersGet",
          "jwt_audience": "${functions_base_url}/numbersGet",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "CORS preflight answer"
          }
        }
      }
    },
    "/v1/numbers/check": {
      "get": {
        "operationId": "numbersCheck",
        "summary": "Does this gig already have a number? (numbers held with externalRef = gigId)",
        "x-google-backend": {
          "address": "${functions_base_url}/numbersCheck",
          "jwt_audience": "${functions_base_url}/numbersCheck",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "options": {
        "operationId": "numbersCheckPreflight",
        "summary": "CORS preflight for /v1/numbers/check",
        "x-google-backend": {
          "address": "${functions_base_url}/numbersCheck",
          "jwt_audience": "${functions_base_url}/numbersCheck",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "CORS preflight answer"
          }
        }
      }
    },
    "/v1/requirements": {
      "get": {
        "operationId": "requirementsList",
        "summary": "What a country asks for before it sells a number type (cached for an hour)",
        "x-google-backend": {
          "address": "${functions_base_url}/requirementsList",
          "jwt_audience": "${functions_base_url}/requirementsList",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "options": {
        "operationId": "requirementsListPreflight",
        "summary": "CORS preflight for /v1/requirements",
        "x-google-backend": {
          "address": "${functions_base_url}/requirementsList",
          "jwt_audience": "${functions_base_url}/requirementsList",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "CORS preflight answer"
          }
        }
      }
    },
    "/v1/requirement-groups": {
      "post": {
        "operationId": "requirementGroupsCreate",
        "summary": "Get or create the tenant’s requirement group for a country, number type and action — per client company with companyId (201 created, 200 existing)",
        "x-google-backend": {
          "address": "${functions_base_url}/requirementGroupsCreate",
          "jwt_audience": "${functions_base_url}/requirementGroupsCreate",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "get": {
        "operationId": "requirementGroupsList",
        "summary": "List the tenant’s requirement groups (?country=, ?companyId=)",
        "x-google-backend": {
          "address": "${functions_base_url}/requirementGroupsList",
          "jwt_audience": "${functions_base_url}/requirementGroupsList",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "options": {
        "operationId": "requirementGroupsCreatePreflight",
        "summary": "CORS preflight for /v1/requirement-groups",
        "x-google-backend": {
          "address": "${functions_base_url}/requirementGroupsCreate",
          "jwt_audience": "${functions_base_url}/requirementGroupsCreate",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "CORS preflight answer"
          }
        }
      }
    },
    "/v1/requirement-groups/{id}": {
      "get": {
        "operationId": "requirementGroupsGet",
        "summary": "Get a requirement group with its saved values",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/requirementGroupsGet",
          "jwt_audience": "${functions_base_url}/requirementGroupsGet",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "options": {
        "operationId": "requirementGroupsGetPreflight",
        "summary": "CORS preflight for /v1/requirement-groups/{id}",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/requirementGroupsGet",
          "jwt_audience": "${functions_base_url}/requirementGroupsGet",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "CORS preflight answer"
          }
        }
      }
    },
    "/v1/requirement-groups/{id}/values/{requirementId}": {
      "post": {
        "operationId": "requirementGroupsSetValue",
        "summary": "Save a value: {value} for a textual requirement (checked against the acceptance criteria), {addressId} for an address requirement (free text is refused)",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "type": "string"
          },
          {
            "name": "requirementId",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/requirementGroupsSetValue",
          "jwt_audience": "${functions_base_url}/requirementGroupsSetValue",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "options": {
        "operationId": "requirementGroupsSetValuePreflight",
        "summary": "CORS preflight for /v1/requirement-groups/{id}/values/{requirementId}",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "type": "string"
          },
          {
            "name": "requirementId",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/requirementGroupsSetValue",
          "jwt_audience": "${functions_base_url}/requirementGroupsSetValue",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "CORS preflight answer"
          }
        }
      }
    },
    "/v1/requirement-groups/{id}/documents/{requirementId}": {
      "post": {
        "operationId": "requirementGroupsUploadDocument",
        "summary": "Upload a document (multipart \"file\": PDF, JPEG or PNG by content, ≤ 10 MB); only the provider’s document id is kept",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "type": "string"
          },
          {
            "name": "requirementId",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/requirementGroupsUploadDocument",
          "jwt_audience": "${functions_base_url}/requirementGroupsUploadDocument",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 120
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "options": {
        "operationId": "requirementGroupsUploadDocumentPreflight",
        "summary": "CORS preflight for /v1/requirement-groups/{id}/documents/{requirementId}",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "type": "string"
          },
          {
            "name": "requirementId",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/requirementGroupsUploadDocument",
          "jwt_audience": "${functions_base_url}/requirementGroupsUploadDocument",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "CORS preflight answer"
          }
        }
      }
    },
    "/v1/requirement-groups/{id}/status": {
      "get": {
        "operationId": "requirementGroupsStatus",
        "summary": "Completion and approval status: what is still missing, the provider’s reasons per declined value, whether numbers can be ordered",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/requirementGroupsStatus",
          "jwt_audience": "${functions_base_url}/requirementGroupsStatus",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "options": {
        "operationId": "requirementGroupsStatusPreflight",
        "summary": "CORS preflight for /v1/requirement-groups/{id}/status",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/requirementGroupsStatus",
          "jwt_audience": "${functions_base_url}/requirementGroupsStatus",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "CORS preflight answer"
          }
        }
      }
    },
    "/v1/requirement-groups/{id}/submit": {
      "post": {
        "operationId": "requirementGroupsSubmit",
        "summary": "Submit a complete group for approval (REQUIREMENTS_INCOMPLETE lists what is missing)",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/requirementGroupsSubmit",
          "jwt_audience": "${functions_base_url}/requirementGroupsSubmit",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "options": {
        "operationId": "requirementGroupsSubmitPreflight",
        "summary": "CORS preflight for /v1/requirement-groups/{id}/submit",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/requirementGroupsSubmit",
          "jwt_audience": "${functions_base_url}/requirementGroupsSubmit",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "CORS preflight answer"
          }
        }
      }
    },
    "/v1/addresses": {
      "post": {
        "operationId": "addressesCreate",
        "summary": "Get or create an address for address requirements (validated by Telnyx, created there once; the same address again → 200 with the same id)",
        "x-google-backend": {
          "address": "${functions_base_url}/addressesCreate",
          "jwt_audience": "${functions_base_url}/addressesCreate",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "get": {
        "operationId": "addressesList",
        "summary": "List the tenant’s addresses (?companyId=, ?country=)",
        "x-google-backend": {
          "address": "${functions_base_url}/addressesList",
          "jwt_audience": "${functions_base_url}/addressesList",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "options": {
        "operationId": "addressesCreatePreflight",
        "summary": "CORS preflight for /v1/addresses",
        "x-google-backend": {
          "address": "${functions_base_url}/addressesCreate",
          "jwt_audience": "${functions_base_url}/addressesCreate",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "CORS preflight answer"
          }
        }
      }
    },
    "/v1/addresses/{id}": {
      "get": {
        "operationId": "addressesGet",
        "summary": "Get one of the tenant’s addresses",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/addressesGet",
          "jwt_audience": "${functions_base_url}/addressesGet",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "options": {
        "operationId": "addressesGetPreflight",
        "summary": "CORS preflight for /v1/addresses/{id}",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/addressesGet",
          "jwt_audience": "${functions_base_url}/addressesGet",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "CORS preflight answer"
          }
        }
      }
    },
    "/webhooks/telnyx": {
      "post": {
        "operationId": "webhookTelnyx",
        "summary": "Telnyx number_order.* events (Ed25519-signed; stale, forged and duplicate events change nothing)",
        "x-google-backend": {
          "address": "${functions_base_url}/webhookTelnyx",
          "jwt_audience": "${functions_base_url}/webhookTelnyx",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 30
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      }
    },
    "/v1/jobs": {
      "post": {
        "operationId": "jobsCreate",
        "summary": "Start a bulk job (up to 10,000 items or a search spec); invalid items are listed, 400 if all are",
        "x-google-backend": {
          "address": "${functions_base_url}/jobsCreate",
          "jwt_audience": "${functions_base_url}/jobsCreate",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 300
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "get": {
        "operationId": "jobsList",
        "summary": "The tenant’s jobs, newest first",
        "x-google-backend": {
          "address": "${functions_base_url}/jobsList",
          "jwt_audience": "${functions_base_url}/jobsList",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "options": {
        "operationId": "jobsCreatePreflight",
        "summary": "CORS preflight for /v1/jobs",
        "x-google-backend": {
          "address": "${functions_base_url}/jobsCreate",
          "jwt_audience": "${functions_base_url}/jobsCreate",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "CORS preflight answer"
          }
        }
      }
    },
    "/v1/jobs/{id}": {
      "get": {
        "operationId": "jobsGet",
        "summary": "Job status, counts per item state, percent, times, throughput",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/jobsGet",
          "jwt_audience": "${functions_base_url}/jobsGet",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "options": {
        "operationId": "jobsGetPreflight",
        "summary": "CORS preflight for /v1/jobs/{id}",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/jobsGet",
          "jwt_audience": "${functions_base_url}/jobsGet",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "CORS preflight answer"
          }
        }
      }
    },
    "/v1/jobs/{id}/items": {
      "get": {
        "operationId": "jobsItems",
        "summary": "A job’s items (?state=failed), in order, paginated",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/jobsItems",
          "jwt_audience": "${functions_base_url}/jobsItems",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "options": {
        "operationId": "jobsItemsPreflight",
        "summary": "CORS preflight for /v1/jobs/{id}/items",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/jobsItems",
          "jwt_audience": "${functions_base_url}/jobsItems",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "CORS preflight answer"
          }
        }
      }
    },
    "/v1/jobs/{id}/cancel": {
      "post": {
        "operationId": "jobsCancel",
        "summary": "Cancel a job: items not started yet become cancelled",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/jobsCancel",
          "jwt_audience": "${functions_base_url}/jobsCancel",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "options": {
        "operationId": "jobsCancelPreflight",
        "summary": "CORS preflight for /v1/jobs/{id}/cancel",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/jobsCancel",
          "jwt_audience": "${functions_base_url}/jobsCancel",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "CORS preflight answer"
          }
        }
      }
    },
    "/v1/signing-secret": {
      "post": {
        "operationId": "signingSecretRotate",
        "summary": "Create or rotate the secret outgoing notifications are signed with (shown once)",
        "x-google-backend": {
          "address": "${functions_base_url}/signingSecretRotate",
          "jwt_audience": "${functions_base_url}/signingSecretRotate",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "options": {
        "operationId": "signingSecretRotatePreflight",
        "summary": "CORS preflight for /v1/signing-secret",
        "x-google-backend": {
          "address": "${functions_base_url}/signingSecretRotate",
          "jwt_audience": "${functions_base_url}/signingSecretRotate",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "CORS preflight answer"
          }
        }
      }
    },
    "/v1/vapi/credentials": {
      "get": {
        "operationId": "vapiCredentialsList",
        "summary": "The tenant’s Vapi credentials (ids and labels; the secrets went to Vapi only)",
        "x-google-backend": {
          "address": "${functions_base_url}/vapiCredentialsList",
          "jwt_audience": "${functions_base_url}/vapiCredentialsList",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "post": {
        "operationId": "vapiCredentialsCreate",
        "summary": "Create a Vapi credential on its own (vonage, telnyx, byo-sip-trunk; verified with Vonage/Telnyx), for imports to name by source.credentialId",
        "x-google-backend": {
          "address": "${functions_base_url}/vapiCredentialsCreate",
          "jwt_audience": "${functions_base_url}/vapiCredentialsCreate",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "options": {
        "operationId": "vapiCredentialsListPreflight",
        "summary": "CORS preflight for /v1/vapi/credentials",
        "x-google-backend": {
          "address": "${functions_base_url}/vapiCredentialsList",
          "jwt_audience": "${functions_base_url}/vapiCredentialsList",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "CORS preflight answer"
          }
        }
      }
    },
    "/v1/vapi/credentials/{id}": {
      "delete": {
        "operationId": "vapiCredentialsDelete",
        "summary": "Delete a Vapi credential at Vapi and here (409 while a number uses it)",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/vapiCredentialsDelete",
          "jwt_audience": "${functions_base_url}/vapiCredentialsDelete",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "options": {
        "operationId": "vapiCredentialsDeletePreflight",
        "summary": "CORS preflight for /v1/vapi/credentials/{id}",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/vapiCredentialsDelete",
          "jwt_audience": "${functions_base_url}/vapiCredentialsDelete",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "CORS preflight answer"
          }
        }
      }
    },
    "/webhooks/twilio/inbound": {
      "post": {
        "operationId": "webhookTwilioInbound",
        "summary": "Inbound twilio messages (X-Twilio-Signature verified with Twilio’s own code: HMAC-SHA1, or HMAC_SHA256 under a Webhooks Rule), relayed to the number’s webhookUrl",
        "x-google-backend": {
          "address": "${functions_base_url}/webhookTwilioInbound",
          "jwt_audience": "${functions_base_url}/webhookTwilioInbound",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      }
    },
    "/webhooks/plivo/inbound": {
      "post": {
        "operationId": "webhookPlivoInbound",
        "summary": "Inbound plivo messages (X-Plivo-Signature-V3 verified), relayed to the number’s webhookUrl",
        "x-google-backend": {
          "address": "${functions_base_url}/webhookPlivoInbound",
          "jwt_audience": "${functions_base_url}/webhookPlivoInbound",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      }
    },
    "/webhooks/telnyx/inbound": {
      "post": {
        "operationId": "webhookTelnyxInbound",
        "summary": "Inbound telnyx messages (Ed25519 verified), relayed to the number’s webhookUrl",
        "x-google-backend": {
          "address": "${functions_base_url}/webhookTelnyxInbound",
          "jwt_audience": "${functions_base_url}/webhookTelnyxInbound",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      }
    },
    "/webhooks/not-in-service/{provider}": {
      "post": {
        "operationId": "webhookNotInService",
        "summary": "Where an inactive number’s calls and messages go (providers call it): Twilio calls hear “not in service” and are hung up (TwiML), messages get an empty answer. No signature check: it reads and writes nothing and answers anyone alike",
        "parameters": [
          {
            "name": "provider",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/webhookNotInService",
          "jwt_audience": "${functions_base_url}/webhookNotInService",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "options": {
        "operationId": "webhookNotInServicePreflight",
        "summary": "CORS preflight for /webhooks/not-in-service/{provider}",
        "parameters": [
          {
            "name": "provider",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/webhookNotInService",
          "jwt_audience": "${functions_base_url}/webhookNotInService",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "CORS preflight answer"
          }
        }
      }
    },
    "/v1/deliveries": {
      "get": {
        "operationId": "deliveriesList",
        "summary": "Relayed inbound messages with every delivery attempt (?numberId=)",
        "x-google-backend": {
          "address": "${functions_base_url}/deliveriesList",
          "jwt_audience": "${functions_base_url}/deliveriesList",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "options": {
        "operationId": "deliveriesListPreflight",
        "summary": "CORS preflight for /v1/deliveries",
        "x-google-backend": {
          "address": "${functions_base_url}/deliveriesList",
          "jwt_audience": "${functions_base_url}/deliveriesList",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "CORS preflight answer"
          }
        }
      }
    },
    "/v1/provider-accounts": {
      "post": {
        "operationId": "providerAccountsCreate",
        "summary": "Add the tenant’s own provider account (credentials verified with the provider, stored in Secret Manager; 409 when the same account is added already; the same account removed earlier gets its id and numbers back)",
        "x-google-backend": {
          "address": "${functions_base_url}/providerAccountsCreate",
          "jwt_audience": "${functions_base_url}/providerAccountsCreate",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "get": {
        "operationId": "providerAccountsList",
        "summary": "List the tenant’s provider accounts (credentials masked)",
        "x-google-backend": {
          "address": "${functions_base_url}/providerAccountsList",
          "jwt_audience": "${functions_base_url}/providerAccountsList",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "options": {
        "operationId": "providerAccountsCreatePreflight",
        "summary": "CORS preflight for /v1/provider-accounts",
        "x-google-backend": {
          "address": "${functions_base_url}/providerAccountsCreate",
          "jwt_audience": "${functions_base_url}/providerAccountsCreate",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "CORS preflight answer"
          }
        }
      }
    },
    "/v1/provider-accounts/{id}": {
      "delete": {
        "operationId": "providerAccountsDelete",
        "summary": "Remove a provider account and its secret (409 while numbers or a running bulk job use it, unless ?force=true: its numbers stay held, detached, until the same account is added again)",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/providerAccountsDelete",
          "jwt_audience": "${functions_base_url}/providerAccountsDelete",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "patch": {
        "operationId": "providerAccountsUpdate",
        "summary": "Rotate a provider account’s credentials (verified with the provider first), or change its label or default flag",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/providerAccountsUpdate",
          "jwt_audience": "${functions_base_url}/providerAccountsUpdate",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "options": {
        "operationId": "providerAccountsDeletePreflight",
        "summary": "CORS preflight for /v1/provider-accounts/{id}",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/providerAccountsDelete",
          "jwt_audience": "${functions_base_url}/providerAccountsDelete",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "CORS preflight answer"
          }
        }
      }
    },
    "/v1/tenant/settings": {
      "get": {
        "operationId": "tenantSettingsGet",
        "summary": "The tenant’s settings: accountPolicy (platform or own-only) and the toll-free carriers (CIC), each with where it comes from",
        "x-google-backend": {
          "address": "${functions_base_url}/tenantSettingsGet",
          "jwt_audience": "${functions_base_url}/tenantSettingsGet",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "patch": {
        "operationId": "tenantSettingsUpdate",
        "summary": "Set the tenant’s accountPolicy (own-only refuses purchases without an account of the tenant’s own) or tollfreeCarriers (CICs of its toll-free customer records); null: the deployment default",
        "x-google-backend": {
          "address": "${functions_base_url}/tenantSettingsUpdate",
          "jwt_audience": "${functions_base_url}/tenantSettingsUpdate",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "options": {
        "operationId": "tenantSettingsGetPreflight",
        "summary": "CORS preflight for /v1/tenant/settings",
        "x-google-backend": {
          "address": "${functions_base_url}/tenantSettingsGet",
          "jwt_audience": "${functions_base_url}/tenantSettingsGet",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "CORS preflight answer"
          }
        }
      }
    },
    "/v1/locations": {
      "post": {
        "operationId": "locationsCreate",
        "summary": "Create a clinic, office or site",
        "x-google-backend": {
          "address": "${functions_base_url}/locationsCreate",
          "jwt_audience": "${functions_base_url}/locationsCreate",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "get": {
        "operationId": "locationsList",
        "summary": "List locations",
        "x-google-backend": {
          "address": "${functions_base_url}/locationsList",
          "jwt_audience": "${functions_base_url}/locationsList",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "options": {
        "operationId": "locationsCreatePreflight",
        "summary": "CORS preflight for /v1/locations",
        "x-google-backend": {
          "address": "${functions_base_url}/locationsCreate",
          "jwt_audience": "${functions_base_url}/locationsCreate",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "CORS preflight answer"
          }
        }
      }
    },
    "/v1/locations/{id}": {
      "get": {
        "operationId": "locationsGet",
        "summary": "Get a clinic, office or site",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/locationsGet",
          "jwt_audience": "${functions_base_url}/locationsGet",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "patch": {
        "operationId": "locationsUpdate",
        "summary": "Change a clinic, office or site",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/locationsUpdate",
          "jwt_audience": "${functions_base_url}/locationsUpdate",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "delete": {
        "operationId": "locationsDelete",
        "summary": "Delete a clinic, office or site (409 while it still has numbers)",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/locationsDelete",
          "jwt_audience": "${functions_base_url}/locationsDelete",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "options": {
        "operationId": "locationsGetPreflight",
        "summary": "CORS preflight for /v1/locations/{id}",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/locationsGet",
          "jwt_audience": "${functions_base_url}/locationsGet",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "CORS preflight answer"
          }
        }
      }
    },
    "/v1/agents": {
      "post": {
        "operationId": "agentsCreate",
        "summary": "Create a voice agent",
        "x-google-backend": {
          "address": "${functions_base_url}/agentsCreate",
          "jwt_audience": "${functions_base_url}/agentsCreate",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "get": {
        "operationId": "agentsList",
        "summary": "List agents",
        "x-google-backend": {
          "address": "${functions_base_url}/agentsList",
          "jwt_audience": "${functions_base_url}/agentsList",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "options": {
        "operationId": "agentsCreatePreflight",
        "summary": "CORS preflight for /v1/agents",
        "x-google-backend": {
          "address": "${functions_base_url}/agentsCreate",
          "jwt_audience": "${functions_base_url}/agentsCreate",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "CORS preflight answer"
          }
        }
      }
    },
    "/v1/agents/{id}": {
      "get": {
        "operationId": "agentsGet",
        "summary": "Get a voice agent",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/agentsGet",
          "jwt_audience": "${functions_base_url}/agentsGet",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "patch": {
        "operationId": "agentsUpdate",
        "summary": "Change a voice agent",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/agentsUpdate",
          "jwt_audience": "${functions_base_url}/agentsUpdate",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "delete": {
        "operationId": "agentsDelete",
        "summary": "Delete a voice agent (its numbers are detached)",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/agentsDelete",
          "jwt_audience": "${functions_base_url}/agentsDelete",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "options": {
        "operationId": "agentsGetPreflight",
        "summary": "CORS preflight for /v1/agents/{id}",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/agentsGet",
          "jwt_audience": "${functions_base_url}/agentsGet",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "CORS preflight answer"
          }
        }
      }
    },
    "/v1/audit": {
      "get": {
        "operationId": "auditList",
        "summary": "The tenant’s audit trail, newest first (?resource=numbers/{id} or a resource type)",
        "x-google-backend": {
          "address": "${functions_base_url}/auditList",
          "jwt_audience": "${functions_base_url}/auditList",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "options": {
        "operationId": "auditListPreflight",
        "summary": "CORS preflight for /v1/audit",
        "x-google-backend": {
          "address": "${functions_base_url}/auditList",
          "jwt_audience": "${functions_base_url}/auditList",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "CORS preflight answer"
          }
        }
      }
    },
    "/v1/reconciliation/findings": {
      "get": {
        "operationId": "reconciliationFindings",
        "summary": "Inventory drift found by reconciliation (numbers gone at the provider, owned there but unknown here; toll-free: registry status or RespOrg not ours)",
        "x-google-backend": {
          "address": "${functions_base_url}/reconciliationFindings",
          "jwt_audience": "${functions_base_url}/reconciliationFindings",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "options": {
        "operationId": "reconciliationFindingsPreflight",
        "summary": "CORS preflight for /v1/reconciliation/findings",
        "x-google-backend": {
          "address": "${functions_base_url}/reconciliationFindings",
          "jwt_audience": "${functions_base_url}/reconciliationFindings",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "CORS preflight answer"
          }
        }
      }
    },
    "/v1/reconciliation/findings/{id}/repair": {
      "post": {
        "operationId": "reconciliationFindingRepair",
        "summary": "Repair a toll-free finding: the registry is read again and the number’s record follows it (released, expired, transferred out, reserved or active); the finding is resolved",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/reconciliationFindingRepair",
          "jwt_audience": "${functions_base_url}/reconciliationFindingRepair",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "options": {
        "operationId": "reconciliationFindingRepairPreflight",
        "summary": "CORS preflight for /v1/reconciliation/findings/{id}/repair",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/reconciliationFindingRepair",
          "jwt_audience": "${functions_base_url}/reconciliationFindingRepair",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "CORS preflight answer"
          }
        }
      }
    },
    "/v1/tollfree/available": {
      "get": {
        "operationId": "tollfreeSearchAvailable",
        "summary": "Search spare toll-free numbers: random (npa, nxx, line, consecutive), pattern, vanity or specific numbers; 1-10, cached 5 minutes",
        "x-google-backend": {
          "address": "${functions_base_url}/tollfreeSearchAvailable",
          "jwt_audience": "${functions_base_url}/tollfreeSearchAvailable",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "options": {
        "operationId": "tollfreeSearchAvailablePreflight",
        "summary": "CORS preflight for /v1/tollfree/available",
        "x-google-backend": {
          "address": "${functions_base_url}/tollfreeSearchAvailable",
          "jwt_audience": "${functions_base_url}/tollfreeSearchAvailable",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "CORS preflight answer"
          }
        }
      }
    },
    "/v1/tollfree/reservations": {
      "post": {
        "operationId": "tollfreeReserve",
        "summary": "Search and reserve toll-free numbers (numbers or a search spec) for 1-45 days (reservationDays, default 45; 202 while the registry works)",
        "x-google-backend": {
          "address": "${functions_base_url}/tollfreeReserve",
          "jwt_audience": "${functions_base_url}/tollfreeReserve",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "options": {
        "operationId": "tollfreeReservePreflight",
        "summary": "CORS preflight for /v1/tollfree/reservations",
        "x-google-backend": {
          "address": "${functions_base_url}/tollfreeReserve",
          "jwt_audience": "${functions_base_url}/tollfreeReserve",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "CORS preflight answer"
          }
        }
      }
    },
    "/v1/tollfree/reservations/{number}": {
      "delete": {
        "operationId": "tollfreeRelease",
        "summary": "Release a reservation: the number goes back to spare at the registry",
        "parameters": [
          {
            "name": "number",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/tollfreeRelease",
          "jwt_audience": "${functions_base_url}/tollfreeRelease",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "options": {
        "operationId": "tollfreeReleasePreflight",
        "summary": "CORS preflight for /v1/tollfree/reservations/{number}",
        "parameters": [
          {
            "name": "number",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/tollfreeRelease",
          "jwt_audience": "${functions_base_url}/tollfreeRelease",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "CORS preflight answer"
          }
        }
      }
    },
    "/v1/tollfree/requests/{id}": {
      "get": {
        "operationId": "tollfreeRequestGet",
        "summary": "A registry request that answered 202: pending, then completed with its result, or failed",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/tollfreeRequestGet",
          "jwt_audience": "${functions_base_url}/tollfreeRequestGet",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "options": {
        "operationId": "tollfreeRequestGetPreflight",
        "summary": "CORS preflight for /v1/tollfree/requests/{id}",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/tollfreeRequestGet",
          "jwt_audience": "${functions_base_url}/tollfreeRequestGet",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "CORS preflight answer"
          }
        }
      }
    },
    "/v1/tollfree": {
      "get": {
        "operationId": "tollfreeList",
        "summary": "The tenant’s toll-free numbers (status, npa, textEnabled, expiringWithinDays; cursor pagination, newest first): a lapsed reservation is expired, reservations carry expiresAt and expiringSoon",
        "x-google-backend": {
          "address": "${functions_base_url}/tollfreeList",
          "jwt_audience": "${functions_base_url}/tollfreeList",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "options": {
        "operationId": "tollfreeListPreflight",
        "summary": "CORS preflight for /v1/tollfree",
        "x-google-backend": {
          "address": "${functions_base_url}/tollfreeList",
          "jwt_audience": "${functions_base_url}/tollfreeList",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "CORS preflight answer"
          }
        }
      }
    },
    "/v1/tollfree/{number}": {
      "delete": {
        "operationId": "tollfreeDisconnect",
        "summary": "Disconnect an active number at the registry (its pending routing versions withdrawn first; effectiveAt, referral for referralDays, then aging, then spare), release a reservation, or remove the record of a failed RespOrg transfer; idempotent",
        "parameters": [
          {
            "name": "number",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/tollfreeDisconnect",
          "jwt_audience": "${functions_base_url}/tollfreeDisconnect",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "get": {
        "operationId": "tollfreeGet",
        "summary": "A toll-free number: our status, routing, SMS state and RespOrg, with the registry’s status and customer record",
        "parameters": [
          {
            "name": "number",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/tollfreeGet",
          "jwt_audience": "${functions_base_url}/tollfreeGet",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "options": {
        "operationId": "tollfreeDisconnectPreflight",
        "summary": "CORS preflight for /v1/tollfree/{number}",
        "parameters": [
          {
            "name": "number",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/tollfreeDisconnect",
          "jwt_audience": "${functions_base_url}/tollfreeDisconnect",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "CORS preflight answer"
          }
        }
      }
    },
    "/v1/tollfree/{number}/activate": {
      "post": {
        "operationId": "tollfreeActivate",
        "summary": "Activate a reserved number: create its customer record with the routing (400 names the bad routing field)",
        "parameters": [
          {
            "name": "number",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/tollfreeActivate",
          "jwt_audience": "${functions_base_url}/tollfreeActivate",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "options": {
        "operationId": "tollfreeActivatePreflight",
        "summary": "CORS preflight for /v1/tollfree/{number}/activate",
        "parameters": [
          {
            "name": "number",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/tollfreeActivate",
          "jwt_audience": "${functions_base_url}/tollfreeActivate",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "CORS preflight answer"
          }
        }
      }
    },
    "/v1/tollfree/{number}/routing": {
      "put": {
        "operationId": "tollfreeRoutingUpdate",
        "summary": "Change an active number’s routing now, or schedule it (effectiveAt in the future: its own version, see GET …/routing); mode alone (disaster) switches the current routing",
        "parameters": [
          {
            "name": "number",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/tollfreeRoutingUpdate",
          "jwt_audience": "${functions_base_url}/tollfreeRoutingUpdate",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "get": {
        "operationId": "tollfreeRoutingVersions",
        "summary": "The current routing and the pending (future-dated) versions, with the registry’s own list of customer record versions",
        "parameters": [
          {
            "name": "number",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/tollfreeRoutingVersions",
          "jwt_audience": "${functions_base_url}/tollfreeRoutingVersions",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "options": {
        "operationId": "tollfreeRoutingUpdatePreflight",
        "summary": "CORS preflight for /v1/tollfree/{number}/routing",
        "parameters": [
          {
            "name": "number",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/tollfreeRoutingUpdate",
          "jwt_audience": "${functions_base_url}/tollfreeRoutingUpdate",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "CORS preflight answer"
          }
        }
      }
    },
    "/v1/tollfree/{number}/sms": {
      "post": {
        "operationId": "tollfreeSmsEnable",
        "summary": "Text-enable a number (SMS and/or MMS) through TSS; pending until the RespOrg decides (2 business days)",
        "parameters": [
          {
            "name": "number",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/tollfreeSmsEnable",
          "jwt_audience": "${functions_base_url}/tollfreeSmsEnable",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "get": {
        "operationId": "tollfreeSmsStatus",
        "summary": "Text-enablement state: none, pending (with dueBy), enabled, rejected (with TSS’s reason) or disabled",
        "parameters": [
          {
            "name": "number",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/tollfreeSmsStatus",
          "jwt_audience": "${functions_base_url}/tollfreeSmsStatus",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "delete": {
        "operationId": "tollfreeSmsDisable",
        "summary": "Turn text off again: withdraw a pending TSS request or disable an enabled number (nothing to turn off: the state as it is)",
        "parameters": [
          {
            "name": "number",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/tollfreeSmsDisable",
          "jwt_audience": "${functions_base_url}/tollfreeSmsDisable",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "options": {
        "operationId": "tollfreeSmsEnablePreflight",
        "summary": "CORS preflight for /v1/tollfree/{number}/sms",
        "parameters": [
          {
            "name": "number",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/tollfreeSmsEnable",
          "jwt_audience": "${functions_base_url}/tollfreeSmsEnable",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "CORS preflight answer"
          }
        }
      }
    },
    "/v1/resporg/entities": {
      "get": {
        "operationId": "resporgEntitiesList",
        "summary": "The tenant’s RespOrg entity and its units",
        "x-google-backend": {
          "address": "${functions_base_url}/resporgEntitiesList",
          "jwt_audience": "${functions_base_url}/resporgEntitiesList",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "options": {
        "operationId": "resporgEntitiesListPreflight",
        "summary": "CORS preflight for /v1/resporg/entities",
        "x-google-backend": {
          "address": "${functions_base_url}/resporgEntitiesList",
          "jwt_audience": "${functions_base_url}/resporgEntitiesList",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "CORS preflight answer"
          }
        }
      }
    },
    "/v1/resporg/entities/{entityId}/roids": {
      "get": {
        "operationId": "resporgEntityRoids",
        "summary": "The active RespOrg units (ROIDs) of the tenant’s entity",
        "parameters": [
          {
            "name": "entityId",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/resporgEntityRoids",
          "jwt_audience": "${functions_base_url}/resporgEntityRoids",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "options": {
        "operationId": "resporgEntityRoidsPreflight",
        "summary": "CORS preflight for /v1/resporg/entities/{entityId}/roids",
        "parameters": [
          {
            "name": "entityId",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/resporgEntityRoids",
          "jwt_audience": "${functions_base_url}/resporgEntityRoids",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "CORS preflight answer"
          }
        }
      }
    },
    "/v1/resporg/transfers": {
      "post": {
        "operationId": "resporgTransfersCreate",
        "summary": "Move numbers to the tenant’s RespOrg (loaId: the LOA uploaded to POST /v1/resporg/loas); tracked through pending, approved and completed, expected in 5-7 business days",
        "x-google-backend": {
          "address": "${functions_base_url}/resporgTransfersCreate",
          "jwt_audience": "${functions_base_url}/resporgTransfersCreate",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "get": {
        "operationId": "resporgTransfersList",
        "summary": "The tenant’s RespOrg transfers, newest first: ?status, ?direction (in, out), ?number; paginated",
        "x-google-backend": {
          "address": "${functions_base_url}/resporgTransfersList",
          "jwt_audience": "${functions_base_url}/resporgTransfersList",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "options": {
        "operationId": "resporgTransfersCreatePreflight",
        "summary": "CORS preflight for /v1/resporg/transfers",
        "x-google-backend": {
          "address": "${functions_base_url}/resporgTransfersCreate",
          "jwt_audience": "${functions_base_url}/resporgTransfersCreate",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "CORS preflight answer"
          }
        }
      }
    },
    "/v1/resporg/transfers/{id}": {
      "get": {
        "operationId": "resporgTransfersGet",
        "summary": "A RespOrg transfer with each number’s state and the history",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/resporgTransfersGet",
          "jwt_audience": "${functions_base_url}/resporgTransfersGet",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "options": {
        "operationId": "resporgTransfersGetPreflight",
        "summary": "CORS preflight for /v1/resporg/transfers/{id}",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/resporgTransfersGet",
          "jwt_audience": "${functions_base_url}/resporgTransfersGet",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "CORS preflight answer"
          }
        }
      }
    },
    "/webhooks/somos/v3/ext/uns/rsv": {
      "post": {
        "operationId": "webhookSomosRsv",
        "summary": "Somos uns/rsv notifications (shared secret in x-somos-notification-secret): reservations follow the registry",
        "x-google-backend": {
          "address": "${functions_base_url}/webhookSomosRsv",
          "jwt_audience": "${functions_base_url}/webhookSomosRsv",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      }
    },
    "/webhooks/somos/v3/ext/uns/rch": {
      "post": {
        "operationId": "webhookSomosRch",
        "summary": "Somos uns/rch notifications (shared secret in x-somos-notification-secret): RespOrg transfers move on",
        "x-google-backend": {
          "address": "${functions_base_url}/webhookSomosRch",
          "jwt_audience": "${functions_base_url}/webhookSomosRch",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      }
    },
    "/v1/tollfree/{number}/routing/{versionId}": {
      "delete": {
        "operationId": "tollfreeRoutingVersionCancel",
        "summary": "Cancel a pending routing version (deleted at the registry); the current routing is untouched",
        "parameters": [
          {
            "name": "number",
            "in": "path",
            "required": true,
            "type": "string"
          },
          {
            "name": "versionId",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/tollfreeRoutingVersionCancel",
          "jwt_audience": "${functions_base_url}/tollfreeRoutingVersionCancel",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "options": {
        "operationId": "tollfreeRoutingVersionCancelPreflight",
        "summary": "CORS preflight for /v1/tollfree/{number}/routing/{versionId}",
        "parameters": [
          {
            "name": "number",
            "in": "path",
            "required": true,
            "type": "string"
          },
          {
            "name": "versionId",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/tollfreeRoutingVersionCancel",
          "jwt_audience": "${functions_base_url}/tollfreeRoutingVersionCancel",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "CORS preflight answer"
          }
        }
      }
    },
    "/v1/resporg/transfers/{id}/cancel": {
      "post": {
        "operationId": "resporgTransfersCancel",
        "summary": "Cancel a transfer: its open RespOrg changes are withdrawn at the registry (completed numbers stay)",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/resporgTransfersCancel",
          "jwt_audience": "${functions_base_url}/resporgTransfersCancel",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 60
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "options": {
        "operationId": "resporgTransfersCancelPreflight",
        "summary": "CORS preflight for /v1/resporg/transfers/{id}/cancel",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "type": "string"
          }
        ],
        "x-google-backend": {
          "address": "${functions_base_url}/resporgTransfersCancel",
          "jwt_audience": "${functions_base_url}/resporgTransfersCancel",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "CORS preflight answer"
          }
        }
      }
    },
    "/v1/resporg/loas": {
      "post": {
        "operationId": "resporgLoaUpload",
        "summary": "Upload a signed LOA (multipart \"file\": a PDF by content, ≤ 10 MB) for RespOrg transfers; only the document store’s reference is kept",
        "x-google-backend": {
          "address": "${functions_base_url}/resporgLoaUpload",
          "jwt_audience": "${functions_base_url}/resporgLoaUpload",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 120
        },
        "responses": {
          "default": {
            "description": "See /v1/openapi.json for the full contract"
          }
        }
      },
      "options": {
        "operationId": "resporgLoaUploadPreflight",
        "summary": "CORS preflight for /v1/resporg/loas",
        "x-google-backend": {
          "address": "${functions_base_url}/resporgLoaUpload",
          "jwt_audience": "${functions_base_url}/resporgLoaUpload",
          "path_translation": "APPEND_PATH_TO_ADDRESS",
          "deadline": 10
        },
        "responses": {
          "default": {
            "description": "CORS preflight answer"
          }
        }
      }
    }
  }
}
