//! Python snippets compiled in front of the expression when it references the helpers they
//! define. Writing these helpers in Python keeps their semantics identical to authentik's
//! (`regex_match` is `re.search` with monty's Python-compatible `re`, `\1` group references
//! included) and costs nothing for expressions that do not use them.
use std::collections::BTreeSet;

const REGEX: &str = r#"import re as _ak_re
def regex_match(value, regex):
    return _ak_re.search(regex, value) is not None
def regex_replace(value, regex, repl):
    return _ak_re.sub(regex, repl, value)
"#;

const FLATTEN: &str = r#"def list_flatten(value):
    if isinstance(value, list):
        if len(value) < 1:
            return None
        return value[0]
    return value
"#;

const SLUGIFY: &str = r#"import re as _ak_re
import unicodedata as _ak_unicodedata
def slugify(value, allow_unicode=False):
    value = str(value)
    if allow_unicode:
        value = _ak_unicodedata.normalize("NFKC", value)
    else:
        value = _ak_unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    value = _ak_re.sub(r"[^\w\s-]", "", value.lower())
    return _ak_re.sub(r"[-\s]+", "-", value).strip("-_")
"#;

const IPADDRESS: &str = r#"class _AkIPAddress:
    def __init__(self, address):
        i = _ak_ip(address, 0)
        self.version = i[0]
        self.compressed = i[1]
        self.exploded = i[2]
        self._key = i[3]
        self.is_private = i[4]
        self.is_global = i[5]
        self.is_loopback = i[6]
        self.is_link_local = i[7]
        self.is_multicast = i[8]
        self.is_reserved = i[9]
        self.is_unspecified = i[10]
        self.max_prefixlen = 32 if i[0] == 4 else 128
    def __str__(self):
        return self.compressed
    def __repr__(self):
        return "IPv" + str(self.version) + "Address('" + self.compressed + "')"
    def __eq__(self, other):
        return isinstance(other, _AkIPAddress) and other._key == self._key
class _AkIPNetwork:
    def __init__(self, address, strict=True):
        i = _ak_ip(address, 1 if strict else 2)
        self.version = i[0]
        self.compressed = i[1]
        self.with_prefixlen = i[1]
        self.prefixlen = i[2]
        self._lo = i[3]
        self._hi = i[4]
        self.network_address = _AkIPAddress(i[5])
        self.broadcast_address = _AkIPAddress(i[6])
        self.is_private = i[7]
        self.max_prefixlen = 32 if i[0] == 4 else 128
        self.num_addresses = 2 ** (self.max_prefixlen - self.prefixlen)
    def __contains__(self, other):
        return isinstance(other, _AkIPAddress) and other.version == self.version and self._lo <= other._key and other._key <= self._hi
    def __str__(self):
        return self.compressed
    def __repr__(self):
        return "IPv" + str(self.version) + "Network('" + self.compressed + "')"
    def __eq__(self, other):
        return isinstance(other, _AkIPNetwork) and other._lo == self._lo and other._hi == self._hi
    def overlaps(self, other):
        return self.version == other.version and self._lo <= other._hi and other._lo <= self._hi
    def subnet_of(self, other):
        return self.version == other.version and other._lo <= self._lo and self._hi <= other._hi
    def supernet_of(self, other):
        return other.subnet_of(self)
def ip_address(address):
    return _AkIPAddress(address)
def ip_network(address, strict=True):
    return _AkIPNetwork(address, strict)
class _AkIPModule:
    def ip_address(self, address):
        return _AkIPAddress(address)
    def ip_network(self, address, strict=True):
        return _AkIPNetwork(address, strict)
    def IPv4Address(self, address):
        return _AkIPAddress(address)
    def IPv6Address(self, address):
        return _AkIPAddress(address)
    def IPv4Network(self, address, strict=True):
        return _AkIPNetwork(address, strict)
    def IPv6Network(self, address, strict=True):
        return _AkIPNetwork(address, strict)
_ak_ipmod = _AkIPModule()
"#;

/// Class names of the ipaddress prelude (their instances leave the sandbox as strings).
pub(crate) const IP_CLASSES: &[&str] = &["_AkIPAddress", "_AkIPNetwork"];

/// The snippets `names` needs, concatenated, and whether the ipaddress one is among them
/// (it calls the engine helper `_ak_ip`).
pub(crate) fn prelude_for(names: &BTreeSet<String>) -> (String, bool) {
    let has = |n: &str| names.contains(n);
    let mut out = String::new();
    if has("regex_match") || has("regex_replace") {
        out.push_str(REGEX);
    }
    if has("list_flatten") {
        out.push_str(FLATTEN);
    }
    if has("slugify") {
        out.push_str(SLUGIFY);
    }
    let ip = ["ip_address", "ip_network", "_ak_ipmod", "ak_client_ip"]
        .iter()
        .any(|n| has(n));
    if ip {
        out.push_str(IPADDRESS);
    }
    (out, ip)
}
