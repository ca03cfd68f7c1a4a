//! `TestApp`: a migrated database, an `akadmin` superuser with an API token, and the real router.
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use castellan_core::group::Group;
use castellan_core::token::{Token, TokenIntent};
use castellan_core::user::UserType;
use castellan_store::users::NewUser;
use castellan_store::{Store, groups, migrate, settings, tokens, users};
use castellan_web::geoip::GeoIp;
use castellan_web::{AppState, WebSettings};
use http::Request;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;
use uuid::Uuid;

use crate::db::{DbKind, TestDb};

/// An HTTP response as tests see it.
#[derive(Debug, Clone)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: http::HeaderMap,
    /// Body parsed as JSON (`Value::Null` when empty or not JSON).
    pub json: Value,
    /// Raw body text.
    pub text: String,
}

/// The application under test.
pub struct TestApp {
    /// Backend in use.
    pub kind: DbKind,
    /// The database (dropped with the app).
    pub db: TestDb,
    /// Store.
    pub store: Store,
    /// State handed to the router.
    pub state: AppState,
    /// Router.
    pub router: Router,
    /// API token of `akadmin` (superuser).
    pub admin_token: String,
    /// Primary key of `akadmin`.
    pub admin_pk: i64,
}

/// Secret key used by test apps.
pub const TEST_SECRET_KEY: &str = "test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz";

impl TestApp {
    /// A fresh app on `kind`.
    #[allow(clippy::expect_used)]
    pub async fn new(kind: DbKind) -> Self {
        let db = TestDb::create(kind).await;
        let store = db.store().await;
        migrate::run(&store).await.expect("migrate");
        let mut conn = store.conn().await.expect("conn");
        let install_id =
            settings::get_or_insert(&mut conn, settings::INSTALL_ID, &Uuid::new_v4().to_string())
                .await
                .expect("install id");
        let now = store.now();
        let admins = Group {
            pk: Uuid::new_v4(),
            name: "authentik Admins".into(),
            is_superuser: true,
            parent: None,
            attributes: json!({}),
        };
        groups::create(&mut conn, &admins).await.expect("group");
        let admin = users::create(
            &mut conn,
            &NewUser {
                username: "akadmin".into(),
                name: "authentik Default Admin".into(),
                email: "akadmin@example.org".into(),
                password: String::new(),
                is_active: true,
                path: "users".into(),
                user_type: UserType::Internal,
                attributes: json!({}),
                last_login: None,
            },
            now,
        )
        .await
        .expect("admin");
        users::add_to_group(&mut conn, admin.pk, admins.pk)
            .await
            .expect("membership");
        let admin_token = castellan_crypto::token::generate_key(60);
        tokens::save(
            &mut conn,
            &Token {
                token_uuid: Uuid::new_v4(),
                identifier: "test-admin-token".into(),
                key: admin_token.clone(),
                intent: TokenIntent::Api,
                user: admin.pk,
                description: String::new(),
                expires: None,
                expiring: false,
                managed: None,
            },
            true,
        )
        .await
        .expect("token");
        drop(conn);
        let state = AppState {
            store: store.clone(),
            secret_key: Arc::from(TEST_SECRET_KEY),
            install_id: Uuid::parse_str(&install_id).expect("uuid"),
            settings: Arc::new(WebSettings::default()),
            started: std::time::Instant::now(),
            flows: std::sync::Arc::new(castellan_web::flow::FlowServices::new()),
            geoip: Arc::new(GeoIp::disabled()),
        };
        let router = castellan_web::router(state.clone());
        Self {
            kind,
            db,
            store,
            state,
            router,
            admin_token,
            admin_pk: admin.pk,
        }
    }

    /// Points the app at its own GeoIP (City) and ASN databases (`None`: not configured) and
    /// rebuilds the router. The files are checked for updates on every lookup, so a test can
    /// replace one and see the new data (write them with [`crate::mmdb::MmdbWriter`]).
    pub fn with_geoip(mut self, city: Option<&Path>, asn: Option<&Path>) -> Self {
        let mut settings = (*self.state.settings).clone();
        settings.geoip_database = city.map(Path::to_path_buf);
        settings.asn_database = asn.map(Path::to_path_buf);
        self.state.geoip = Arc::new(GeoIp::open_with_interval(city, asn, Duration::ZERO));
        self.state.settings = Arc::new(settings);
        self.router = castellan_web::router(self.state.clone());
        self
    }

    /// Changes the app's web settings and rebuilds the router.
    pub fn with_web_settings(mut self, change: impl FnOnce(&mut WebSettings)) -> Self {
        let mut settings = (*self.state.settings).clone();
        change(&mut settings);
        self.state.settings = Arc::new(settings);
        self.router = castellan_web::router(self.state.clone());
        self
    }

    /// Serves the router on a loopback port for real clients (a browser); the server stops when
    /// the returned handle is dropped or aborted. Returns `http://127.0.0.1:<port>`.
    ///
    /// # Panics
    /// The port cannot be bound.
    #[allow(clippy::expect_used)]
    pub async fn serve(&self) -> (String, tokio::task::JoinHandle<()>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let addr = listener.local_addr().expect("local address");
        let app = self
            .router
            .clone()
            .into_make_service_with_connect_info::<std::net::SocketAddr>();
        let handle = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        (format!("http://{addr}"), handle)
    }

    /// Sends a request; `token` adds `Authorization: Bearer`, `body` is sent as JSON text.
    #[allow(clippy::expect_used)]
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Response {
        let mut req = Request::builder().method(method).uri(path);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if body.is_some() {
            req = req.header("content-type", "application/json");
        }
        let req = req
            .body(
                body.map(|b| Body::from(b.to_string()))
                    .unwrap_or_else(Body::empty),
            )
            .expect("request");
        let res = self.router.clone().oneshot(req).await.expect("infallible");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.expect("body").to_bytes();
        let text = String::from_utf8_lossy(&bytes).to_string();
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Response {
            status,
            headers,
            json,
            text,
        }
    }

    /// A request as `akadmin` (Bearer token).
    pub async fn admin(&self, method: &str, path: &str, body: Option<Value>) -> Response {
        let auth = format!("Bearer {}", self.admin_token);
        let body = body.map(|b| b.to_string());
        self.send(method, path, body.as_deref(), &[("authorization", &auth)])
            .await
    }

    /// Creates a non-superuser with an API token; returns (pk, token).
    #[allow(clippy::expect_used)]
    pub async fn user_with_token(&self, username: &str) -> (i64, String) {
        let mut conn = self.store.conn().await.expect("conn");
        let u = users::create(
            &mut conn,
            &NewUser {
                username: username.into(),
                name: username.into(),
                email: format!("{username}@example.org"),
                password: String::new(),
                is_active: true,
                path: "users".into(),
                user_type: UserType::Internal,
                attributes: json!({}),
                last_login: None,
            },
            self.store.now(),
        )
        .await
        .expect("user");
        let key = castellan_crypto::token::generate_key(60);
        tokens::save(
            &mut conn,
            &Token {
                token_uuid: Uuid::new_v4(),
                identifier: format!("{username}-token"),
                key: key.clone(),
                intent: TokenIntent::Api,
                user: u.pk,
                description: String::new(),
                expires: None,
                expiring: false,
                managed: None,
            },
            true,
        )
        .await
        .expect("token");
        (u.pk, key)
    }
}
