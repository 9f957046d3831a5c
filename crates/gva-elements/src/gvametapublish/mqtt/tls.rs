//! TLS to the broker: rustls with the `ring` provider, configured from `mqtt-config`'s files.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use super::config::Tls;
use crate::gvametapublish::publisher::PublishError;

/// The rumqttc transport for `tls`. Without `ssl_verify` / `ssl_enable_server_cert_auth` the
/// broker's certificate is not checked (DL Streamer's default), which `warn` reports.
pub fn transport(tls: &Tls, warn: &dyn Fn(&str)) -> Result<rumqttc::Transport, PublishError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| PublishError::settings(format!("TLS setup failed: {e}")))?;
    let builder = if tls.verify {
        let mut roots = RootCertStore::empty();
        match &tls.ca_certificate {
            Some(path) => {
                for cert in certificates(path, "ssl_CA_certificate")? {
                    roots.add(cert).map_err(|e| {
                        PublishError::settings(format!(
                            "ssl_CA_certificate {path}: not a usable CA certificate: {e}"
                        ))
                    })?;
                }
            }
            None => {
                let found = rustls_native_certs::load_native_certs();
                let (added, _) = roots.add_parsable_certificates(found.certs);
                if added == 0 {
                    return Err(PublishError::settings(
                        "TLS: no system CA certificates found; set ssl_CA_certificate in mqtt-config",
                    ));
                }
            }
        }
        builder.with_root_certificates(roots)
    } else {
        warn(
            "TLS without ssl_verify / ssl_enable_server_cert_auth: the broker's certificate is not checked",
        );
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyServer(
                provider.signature_verification_algorithms,
            )))
    };
    let config = match (&tls.client_certificate, &tls.private_key) {
        (Some(cert), Some(key)) => {
            let chain = certificates(cert, "ssl_client_certificate")?;
            builder
                .with_client_auth_cert(chain, private_key(key)?)
                .map_err(|e| {
                    PublishError::settings(format!(
                        "ssl_client_certificate {cert} and ssl_private_key {key} do not make a client identity: {e}"
                    ))
                })?
        }
        (None, None) => builder.with_no_client_auth(),
        _ => {
            return Err(PublishError::settings(
                "TLS client authentication needs both ssl_client_certificate and ssl_private_key",
            ));
        }
    };
    Ok(rumqttc::Transport::tls_with_config(
        rumqttc::TlsConfiguration::Rustls(Arc::new(config)),
    ))
}

fn read(path: &str, key: &str) -> Result<Vec<u8>, PublishError> {
    std::fs::read(path)
        .map_err(|e| PublishError::settings(format!("could not read {key} {path}: {e}")))
}

fn certificates(path: &str, key: &str) -> Result<Vec<CertificateDer<'static>>, PublishError> {
    let pem = read(path, key)?;
    let certs = rustls_pemfile::certs(&mut pem.as_slice())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| PublishError::settings(format!("{key} {path}: bad PEM: {e}")))?;
    if certs.is_empty() {
        return Err(PublishError::settings(format!(
            "{key} {path} holds no PEM certificate"
        )));
    }
    Ok(certs)
}

fn private_key(path: &str) -> Result<PrivateKeyDer<'static>, PublishError> {
    let pem = read(path, "ssl_private_key")?;
    // The message never shows key material, only the path.
    rustls_pemfile::private_key(&mut pem.as_slice())
        .ok()
        .flatten()
        .ok_or_else(|| {
            PublishError::settings(format!(
                "ssl_private_key {path} holds no unencrypted PEM private key"
            ))
        })
}

/// Accepts any broker certificate (signatures are still checked): DL Streamer's default TLS.
#[derive(Debug)]
struct AcceptAnyServer(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for AcceptAnyServer {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}
