# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # CloudStack connection options shared by every module that talks to the API.
    DOCUMENTATION = r"""
options:
  api_url:
    description:
      - URL of the CloudStack API endpoint, for example C(https://cloud.example.com/client/api).
      - If not set, the environment variable E(CLOUDSTACK_ENDPOINT) is used.
    type: str
  api_key:
    description:
      - API key of a root admin (the import and unmanage APIs are root-admin only).
      - If not set, the environment variable E(CLOUDSTACK_KEY) is used.
    type: str
  api_secret:
    description:
      - Secret key matching O(api_key). Never logged and never returned.
      - If not set, the environment variable E(CLOUDSTACK_SECRET) is used.
    type: str
  api_timeout:
    description:
      - HTTP timeout in seconds for one API request.
      - If not set, the environment variable E(CLOUDSTACK_TIMEOUT) is used, else 30.
    type: int
    default: 30
  api_http_method:
    description:
      - HTTP method for API requests. C(post) keeps long parameter lists out of server logs.
      - If not set, the environment variable E(CLOUDSTACK_METHOD) is used, else C(get).
    type: str
    choices: [get, post]
    default: get
  api_ca_file:
    description:
      - CA bundle used to verify the endpoint's TLS certificate.
      - If not set, the environment variable E(CLOUDSTACK_VERIFY) is used.
    type: path
  validate_certs:
    description:
      - Verify the endpoint's TLS certificate. Only set to V(false) on trusted test networks.
    type: bool
    default: true
requirements:
  - python >= 3.11
  - cs >= 3.4
notes:
  - All options can be set once for every acs.ingest module with
    C(module_defaults) and the action group C(group/acs.ingest.cloudstack).
"""
