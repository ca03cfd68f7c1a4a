# oic (pyoidc) as the relying party (TESTING.md, OIDC): provider_config() checks the discovery
# issuer, do_access_token_request() verifies the ID token strictly (signature from the JWKS,
# iss, aud, nonce), and the implicit and hybrid responses are parsed with their at_hash / c_hash
# checks.
import secrets

from oic.oic import Client
from oic.oic.message import AuthorizationResponse, RegistrationResponse
from oic.utils.authn.client import CLIENT_AUTHN_METHOD

slug = ARGS["slug"]
issuer = f"{BASE}/application/o/{slug}/"
res = {}

client = Client(client_authn_method=CLIENT_AUTHN_METHOD)
pcr = client.provider_config(issuer)
res["issuer"] = pcr["issuer"]
client.store_registration_info(RegistrationResponse(
    client_id=ARGS["client_id"], client_secret=ARGS["client_secret"],
    redirect_uris=[ARGS["redirect_uri"]]))
browser = requests.Session()


def authorize(response_type, scope):
    state = secrets.token_urlsafe(12)
    nonce = secrets.token_urlsafe(12)
    req = client.construct_AuthorizationRequest(request_args={
        "client_id": ARGS["client_id"], "response_type": response_type, "scope": scope,
        "nonce": nonce, "redirect_uri": ARGS["redirect_uri"], "state": state})
    landing = browse(browser, req.request(client.authorization_endpoint),
                     ARGS["username"], ARGS["password"])
    assert "redirect" in landing, landing
    url = urllib.parse.urlparse(landing["redirect"])
    info = url.query if response_type == "code" else url.fragment
    return client.parse_response(AuthorizationResponse, info=info, sformat="urlencoded"), state


aresp, state = authorize("code", ["openid", "email", "profile"])
resp = client.do_access_token_request(
    state=aresp["state"], request_args={"code": aresp["code"]},
    authn_method="client_secret_basic")
idt = resp["id_token"]
res["code"] = {"sub": idt["sub"], "aud": idt["aud"], "iss": idt["iss"],
               "email": idt.get("email"), "verified": type(idt).__name__}
info = client.do_user_info_request(state=aresp["state"])
res["userinfo"] = info.to_dict()

aresp, state = authorize("id_token token", ["openid"])
res["implicit"] = {"has_at_hash": "at_hash" in aresp["id_token"],
                   "token_type": aresp["token_type"], "state_ok": aresp["state"] == state}

aresp, state = authorize("code id_token", ["openid"])
res["hybrid"] = {"has_c_hash": "c_hash" in aresp["id_token"], "has_code": "code" in aresp,
                 "state_ok": aresp["state"] == state}
out(res)
