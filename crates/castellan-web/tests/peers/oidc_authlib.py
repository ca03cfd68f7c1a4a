# authlib as the relying party (TESTING.md): discovery, code flow with PKCE S256 and a nonce, the
# ID token verified against the JWKS (signature, iss, aud, exp, nonce, at_hash), userinfo,
# refresh-token rotation with reuse detection, introspection, revocation, code reuse and the
# client_credentials grant. Prints what it saw as JSON; the Rust test asserts on it.
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebKey, jwt
from authlib.oidc.core import CodeIDToken, IDToken

slug = ARGS["slug"]
cid = ARGS["client_id"]
secret = ARGS["client_secret"]
redirect_uri = ARGS["redirect_uri"]
res = {}

conf = requests.get(f"{BASE}/application/o/{slug}/.well-known/openid-configuration").json()
res["issuer"] = conf["issuer"]
res["alg_values"] = conf["id_token_signing_alg_values_supported"]
jwks = JsonWebKey.import_key_set(requests.get(conf["jwks_uri"]).json())
opts = {"iss": {"essential": True, "value": conf["issuer"]}}

client = OAuth2Session(
    cid, secret, scope="openid email profile offline_access",
    redirect_uri=redirect_uri, code_challenge_method="S256",
)
verifier = generate_token(64)
nonce = generate_token(20)
uri, _state = client.create_authorization_url(
    conf["authorization_endpoint"], nonce=nonce, code_verifier=verifier)
browser = requests.Session()
landing = browse(browser, uri, ARGS["username"], ARGS["password"])
assert "redirect" in landing, landing
res["landing"] = landing["redirect"]
token = client.fetch_token(
    conf["token_endpoint"], authorization_response=landing["redirect"], code_verifier=verifier)
res["token_keys"] = sorted(token.keys())
claims = jwt.decode(
    token["id_token"], jwks, claims_cls=CodeIDToken, claims_options=opts,
    claims_params={"nonce": nonce, "client_id": cid, "access_token": token["access_token"]})
claims.validate()
res["id_token"] = dict(claims)
res["id_token_header"] = dict(claims.header)
res["userinfo"] = client.get(conf["userinfo_endpoint"]).json()

# Refresh: rotation, then reuse of the rotated-out token revokes the family.
old_refresh = token["refresh_token"]
fresh = client.refresh_token(conf["token_endpoint"], refresh_token=old_refresh)
res["refresh_rotated"] = fresh["refresh_token"] != old_refresh
res["refreshed_id_token"] = dict(jwt.decode(fresh["id_token"], jwks, claims_options=opts))
r = requests.post(conf["token_endpoint"], auth=(cid, secret),
                  data={"grant_type": "refresh_token", "refresh_token": old_refresh})
res["refresh_reuse"] = [r.status_code, r.json()]
r = requests.post(conf["token_endpoint"], auth=(cid, secret),
                  data={"grant_type": "refresh_token", "refresh_token": fresh["refresh_token"]})
res["refresh_family_after_reuse"] = [r.status_code, r.json()]

# A second login for introspection, revocation and code reuse.
verifier = generate_token(64)
uri, _state = client.create_authorization_url(
    conf["authorization_endpoint"], nonce=nonce, code_verifier=verifier)
landing = browse(browser, uri, ARGS["username"], ARGS["password"])
second = client.fetch_token(
    conf["token_endpoint"], authorization_response=landing["redirect"], code_verifier=verifier)
res["introspect"] = client.introspect_token(
    conf["introspection_endpoint"], token=second["access_token"]).json()
res["introspect_refresh"] = client.introspect_token(
    conf["introspection_endpoint"], token=second["refresh_token"]).json()
client.revoke_token(conf["revocation_endpoint"], token=second["refresh_token"])
res["introspect_after_revoke"] = client.introspect_token(
    conf["introspection_endpoint"], token=second["refresh_token"]).json()
code = query_of(landing["redirect"])["code"]
r = requests.post(conf["token_endpoint"], auth=(cid, secret), data={
    "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
    "code_verifier": verifier})
res["code_reuse"] = [r.status_code, r.json()]
r = requests.get(conf["userinfo_endpoint"],
                 headers={"Authorization": "Bearer " + second["access_token"]})
res["userinfo_after_code_reuse"] = [r.status_code, r.headers.get("WWW-Authenticate", "")]

# client_credentials with the provider's secret: a generated service account.
cc = OAuth2Session(cid, secret, scope="openid profile")
t = cc.fetch_token(conf["token_endpoint"], grant_type="client_credentials")
cc_claims = jwt.decode(t["id_token"], jwks, claims_cls=IDToken, claims_options=opts)
cc_claims.validate()
res["client_credentials"] = {"claims": dict(cc_claims), "scope": t.get("scope"),
                             "refresh": "refresh_token" in t}
out(res)
