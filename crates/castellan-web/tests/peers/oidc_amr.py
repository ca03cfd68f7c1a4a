# The ID token's amr after a login with a password and a TOTP code (MFA in the default
# authentication flow): authlib verifies the token against the JWKS.
from authlib.jose import JsonWebKey, jwt

slug = ARGS["slug"]
cid = ARGS["client_id"]
conf = requests.get(f"{BASE}/application/o/{slug}/.well-known/openid-configuration").json()
jwks = JsonWebKey.import_key_set(requests.get(conf["jwks_uri"]).json())
browser = requests.Session()
url = conf["authorization_endpoint"] + "?" + urllib.parse.urlencode({
    "client_id": cid, "redirect_uri": ARGS["redirect_uri"], "response_type": "code",
    "scope": "openid", "state": "amr"})
landing = browse(browser, url, ARGS["username"], ARGS["password"])
code = query_of(landing["redirect"])["code"]
t = requests.post(conf["token_endpoint"], auth=(cid, ARGS["client_secret"]), data={
    "grant_type": "authorization_code", "code": code, "redirect_uri": ARGS["redirect_uri"]}).json()
claims = jwt.decode(t["id_token"], jwks)
claims.validate()
out({"amr": claims.get("amr"), "auth_time": claims.get("auth_time")})
