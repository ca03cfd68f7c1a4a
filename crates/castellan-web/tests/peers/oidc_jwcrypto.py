# jwcrypto as the relying party of an encrypting provider (TESTING.md, JWE): the ID token and
# access token from the token endpoint and from an implicit response are compact JWEs
# (RSA-OAEP-256 + A256CBC-HS512) that decrypt with the encryption key's private key and carry a
# JWS verified with the provider's published signing key.
import json as _json
import secrets

from jwcrypto import jwe, jwk, jws

slug = ARGS["slug"]
cid = ARGS["client_id"]
secret = ARGS["client_secret"]
redirect_uri = ARGS["redirect_uri"]
res = {}

conf = requests.get(f"{BASE}/application/o/{slug}/.well-known/openid-configuration").json()
res["enc_alg"] = conf.get("id_token_encryption_alg_values_supported")
res["enc_enc"] = conf.get("id_token_encryption_enc_values_supported")
keys = requests.get(conf["jwks_uri"]).json()
res["jwks_uses"] = sorted(k["use"] for k in keys.get("keys", []))
sig_keys = jwk.JWKSet()
for k in keys.get("keys", []):
    if k["use"] == "sig":
        sig_keys.add(jwk.JWK(**k))
enc_key = jwk.JWK.from_pem(ARGS["encryption_key_pem"].encode()) if ARGS.get("encryption_key_pem") else None


def open_token(token):
    """Decrypts (when a JWE) and verifies; returns (jwe header or None, jws header, claims)."""
    outer = None
    if token.count(".") == 4:
        e = jwe.JWE()
        e.deserialize(token, key=enc_key)
        outer = _json.loads(e.objects["protected"])
        token = e.payload.decode()
    assert token.count(".") == 2, token
    s = jws.JWS()
    s.deserialize(token)
    s.verify(sig_keys)
    return outer, s.jose_header, _json.loads(s.payload)


browser = requests.Session()
nonce = secrets.token_urlsafe(16)
url = conf["authorization_endpoint"] + "?" + urllib.parse.urlencode({
    "client_id": cid, "redirect_uri": redirect_uri, "response_type": "code",
    "scope": "openid email", "state": "s1", "nonce": nonce})
landing = browse(browser, url, ARGS["username"], ARGS["password"])
code = query_of(landing["redirect"])["code"]
t = requests.post(conf["token_endpoint"], auth=(cid, secret), data={
    "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}).json()
for name in ("id_token", "access_token"):
    outer, inner, claims = open_token(t[name])
    res["code_" + name] = {"jwe": outer, "jws": inner, "nonce": claims.get("nonce"),
                           "aud": claims.get("aud"), "email": claims.get("email")}

url = conf["authorization_endpoint"] + "?" + urllib.parse.urlencode({
    "client_id": cid, "redirect_uri": redirect_uri, "response_type": "id_token token",
    "scope": "openid", "state": "s2", "nonce": nonce})
landing = browse(browser, url, ARGS["username"], ARGS["password"])
frag = fragment_of(landing["redirect"])
res["implicit_state"] = frag.get("state")
for name in ("id_token", "access_token"):
    outer, inner, claims = open_token(frag[name])
    res["implicit_" + name] = {"jwe": outer, "jws": inner, "nonce": claims.get("nonce"),
                               "at_hash": claims.get("at_hash")}
out(res)
