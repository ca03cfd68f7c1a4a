//! Apache httpd with mod_auth_openidc as a real OpenID Connect relying party (TESTING.md): a
//! private server on a free loopback port (`apache2 -X`, its own config and directory) that
//! protects `/protected/` with `Require valid-user` against a Castellan provider. Debian's
//! `apache2` and `libapache2-mod-auth-openidc` are installed by `scripts/test.sh`.
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::smtp::free_port;

const MODULES: &str = "/usr/lib/apache2/modules";

/// A running Apache; killed when dropped.
pub struct Apache {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// The redirect URI mod_auth_openidc uses (register it with the provider).
    pub redirect_uri: String,
    /// The page it sends the browser to after logout (register it too).
    pub logged_out_uri: String,
    child: Child,
    dir: tempfile::TempDir,
}

/// The provider mod_auth_openidc talks to.
pub struct OidcClient<'a> {
    /// The discovery document URL.
    pub metadata_url: &'a str,
    /// `client_id`.
    pub client_id: &'a str,
    /// `client_secret`.
    pub client_secret: &'a str,
    /// `OIDCResponseMode` (`query` when `None`, or `form_post`, `fragment`).
    pub response_mode: Option<&'a str>,
}

fn write(path: &Path, text: &str) {
    #[allow(clippy::expect_used)]
    std::fs::write(path, text).expect("write apache file");
}

impl Apache {
    /// The URIs a server on `port` will use, before it starts (to register them first).
    pub fn uris(port: u16) -> (String, String, String) {
        let base = format!("http://127.0.0.1:{port}");
        (
            base.clone(),
            format!("{base}/protected/redirect_uri"),
            format!("{base}/logged-out.html"),
        )
    }

    /// Starts Apache on `port` protecting `/protected/` with `client`; waits until it listens.
    ///
    /// # Panics
    /// Apache is missing or does not start (its error log is in the message).
    #[allow(clippy::expect_used, clippy::panic)]
    pub fn start(port: u16, client: &OidcClient<'_>) -> Self {
        let (base, redirect_uri, logged_out_uri) = Self::uris(port);
        let dir = tempfile::tempdir().expect("apache dir");
        let root = dir.path();
        std::fs::create_dir_all(root.join("htdocs/protected")).expect("htdocs");
        write(
            &root.join("htdocs/protected/index.html"),
            "<html><body><h1>Protected page</h1></body></html>\n",
        );
        write(
            &root.join("htdocs/logged-out.html"),
            "<html><body><h1>Logged out of the app</h1></body></html>\n",
        );
        for p in [
            root.to_path_buf(),
            root.join("htdocs"),
            root.join("htdocs/protected"),
        ] {
            let _ = std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755));
        }
        let r = root.display();
        let conf = format!(
            "ServerRoot {r}\nListen 127.0.0.1:{port}\nServerName 127.0.0.1\nPidFile {r}/httpd.pid\n\
             User nobody\nGroup nogroup\n\
             LoadModule mpm_event_module {MODULES}/mod_mpm_event.so\n\
             LoadModule authn_core_module {MODULES}/mod_authn_core.so\n\
             LoadModule authz_core_module {MODULES}/mod_authz_core.so\n\
             LoadModule authz_user_module {MODULES}/mod_authz_user.so\n\
             LoadModule dir_module {MODULES}/mod_dir.so\n\
             LoadModule mime_module {MODULES}/mod_mime.so\n\
             LoadModule auth_openidc_module {MODULES}/mod_auth_openidc.so\n\
             TypesConfig /etc/mime.types\nDirectoryIndex index.html\n\
             ErrorLog {r}/error.log\nLogLevel warn auth_openidc:info\n\
             DocumentRoot {r}/htdocs\n\
             <Directory {r}/htdocs>\n  Require all granted\n</Directory>\n\
             OIDCProviderMetadataURL {metadata}\n\
             OIDCClientID {client_id}\nOIDCClientSecret {client_secret}\n\
             OIDCRedirectURI {redirect_uri}\nOIDCCryptoPassphrase castellan-test-passphrase\n\
             OIDCScope \"openid email profile\"\nOIDCPKCEMethod S256\n\
             OIDCRemoteUserClaim preferred_username\n{mode}\
             <Location /protected/>\n  AuthType openid-connect\n  Require valid-user\n</Location>\n",
            metadata = client.metadata_url,
            client_id = client.client_id,
            client_secret = client.client_secret,
            mode = client
                .response_mode
                .map(|m| format!("OIDCResponseMode {m}\n"))
                .unwrap_or_default(),
        );
        write(&root.join("httpd.conf"), &conf);
        let child = Command::new("/usr/sbin/apache2")
            .args(["-X", "-f"])
            .arg(root.join("httpd.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start apache2 ({e}); run scripts/test.sh"));
        let apache = Self {
            base,
            redirect_uri,
            logged_out_uri,
            child,
            dir,
        };
        let deadline = Instant::now() + Duration::from_secs(15);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                panic!("apache2 did not start:\n{}", apache.error_log());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        apache
    }

    /// The server's error log (for assertion messages).
    pub fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default()
    }
}

impl Drop for Apache {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free loopback port for [`Apache::start`].
pub fn port() -> u16 {
    free_port()
}
