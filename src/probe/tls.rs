//! TLS for probes of external resources: one rustls client configuration
//! trusting the system's roots (rustls-native-certs, which reads
//! `SSL_CERT_FILE`/`SSL_CERT_DIR` instead when set, as OpenSSL does) plus
//! a service's own `ca_file`, and streams that are TLS from the first byte
//! when a probe's port speaks it. A handshake that fails is an error: no
//! probe ever falls back to clear text.
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, Once};
use std::task::{Context, Poll};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// A connection as probes use it: clear or TLS.
pub(crate) enum Stream {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

/// How a probe of a TLS port connects: whom it trusts.
#[derive(Clone)]
pub(crate) struct Tls {
    pub(crate) config: Arc<ClientConfig>,
    /// The trusted certificates themselves, for a library that builds its
    /// own configuration (mysql_async).
    pub(crate) roots: Arc<Vec<CertificateDer<'static>>>,
}

/// ring is the one crypto provider built in; libraries that build their
/// own configuration (mysql_async) find it as the process default.
pub(crate) fn install_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

impl Tls {
    /// Trusts the system's roots and the certificates in `ca_file`.
    pub(crate) fn new(ca_file: Option<&Path>) -> Result<Tls, String> {
        // Unreadable entries of the system store are skipped: the ones
        // that load still count, and an empty store is reported below.
        let mut certs = rustls_native_certs::load_native_certs().certs;
        if let Some(file) = ca_file {
            certs.extend(ca_certificates(file)?);
        }
        let mut roots = RootCertStore::empty();
        roots.add_parsable_certificates(certs.iter().cloned());
        if roots.is_empty() {
            return Err("no trusted CA certificates: the system store is empty; name a CA with `ca_file:` or SSL_CERT_FILE".into());
        }
        Ok(Tls {
            config: Arc::new(client_config(roots)),
            roots: Arc::new(certs),
        })
    }

    /// A TLS connection to `host:port`, its certificate checked for `host`.
    pub(crate) async fn connect(&self, host: &str, port: u16) -> Result<Stream, String> {
        let tcp = super::connect(host, port).await?;
        self.upgrade(host, tcp).await
    }

    /// TLS over an open connection (NATS upgrades after its `INFO`).
    pub(crate) async fn upgrade(&self, host: &str, tcp: TcpStream) -> Result<Stream, String> {
        let name = ServerName::try_from(host.to_string())
            .map_err(|e| format!("`{host}` cannot be checked against a certificate: {e}"))?;
        let stream = tokio_rustls::TlsConnector::from(self.config.clone())
            .connect(name, tcp)
            .await
            .map_err(|e| format!("TLS handshake: {e}"))?;
        Ok(Stream::Tls(Box::new(stream)))
    }

    /// An HTTP client that speaks TLS with this trust.
    pub(crate) fn http_client(&self) -> Result<reqwest::Client, String> {
        http_client((*self.config).clone())
    }
}

/// The certificates of a PEM file; none is an error.
pub(crate) fn ca_certificates(file: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let shown = file.display();
    let certs = CertificateDer::pem_file_iter(file)
        .map_err(|e| format!("ca_file {shown}: {e}"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("ca_file {shown}: {e}"))?;
    if certs.is_empty() {
        return Err(format!(
            "ca_file {shown} holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
        ));
    }
    Ok(certs)
}

fn client_config(roots: RootCertStore) -> ClientConfig {
    install_provider();
    ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("ring supports the default TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth()
}

/// The client for devsvc's own containers, which speak clear HTTP on
/// loopback: it trusts no certificate, so it reads no system store.
pub(crate) fn plain_http_client() -> Result<reqwest::Client, String> {
    http_client(client_config(RootCertStore::empty()))
}

fn http_client(config: ClientConfig) -> Result<reqwest::Client, String> {
    // No proxy: services are reached directly.
    reqwest::Client::builder()
        .no_proxy()
        .tls_backend_preconfigured(config)
        .build()
        .map_err(|e| format!("cannot set up HTTP: {e}"))
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}
