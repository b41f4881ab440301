//! TLS for the command line's requests: the system's trust store is read when a server first
//! presents a certificate, not when the client is built.
//!
//! reqwest's rustls backend builds rustls-platform-verifier's verifier along with the client,
//! and on Linux that reads every certificate under `/etc/ssl/certs`: 3.7 ms of the 6.3 ms a
//! `tokctl whoami` took against an `http://` server, where `curl` needs 5–6 ms for the whole
//! request (docs/performance.md, "CLI overhead"). Scripts call tokctl in loops, and a local or
//! in-cluster server is often plain HTTP. This module hands reqwest the configuration it would
//! have built itself (the same crypto provider, TLS versions, verifier and ALPN), with one
//! change: the verifier is made on the first certificate to check. An `https://` server is
//! checked exactly as before; an `http://` one never pays for it.

use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{self, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};
use rustls_platform_verifier::Verifier;

/// The client's TLS configuration, for `reqwest::ClientBuilder::tls_backend_preconfigured`.
pub(crate) fn client_config() -> Result<ClientConfig, rustls::Error> {
    let provider = Arc::new(crypto::aws_lc_rs::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(PlatformVerifierOnDemand::new(provider)))
        .with_no_client_auth();
    // What reqwest sets for a client without HTTP/2, which tokctl's is.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// The platform verifier, made the first time a certificate chain is to be checked. Signatures
/// need only the provider's algorithms, as they do inside the platform verifier.
#[derive(Debug)]
struct PlatformVerifierOnDemand {
    provider: Arc<CryptoProvider>,
    verifier: OnceLock<Result<Verifier, rustls::Error>>,
}

impl PlatformVerifierOnDemand {
    fn new(provider: Arc<CryptoProvider>) -> Self {
        PlatformVerifierOnDemand {
            provider,
            verifier: OnceLock::new(),
        }
    }

    fn verifier(&self) -> Result<&Verifier, rustls::Error> {
        self.verifier
            .get_or_init(|| Verifier::new(self.provider.clone()).map_err(no_trust_store))
            .as_ref()
            .map_err(Clone::clone)
    }
}

/// The platform verifier fails to build only when it finds no trust store (or none it can
/// parse); its error says so in words. Marked, so the client can tell it from other TLS
/// failures without reading them (`is_no_trust_store`).
fn no_trust_store(e: rustls::Error) -> rustls::Error {
    // `General` prints as "unexpected error: …": once is enough.
    let why = match e {
        rustls::Error::General(why) => why,
        other => other.to_string(),
    };
    rustls::Error::General(format!("{NO_TRUST_STORE}: {why}"))
}

const NO_TRUST_STORE: &str = "no trust store to check the certificate against";

/// Whether a TLS error is the verifier that could not be made (see `no_trust_store`).
pub(crate) fn is_no_trust_store(e: &rustls::Error) -> bool {
    matches!(e, rustls::Error::General(m) if m.starts_with(NO_TRUST_STORE))
}

impl ServerCertVerifier for PlatformVerifierOnDemand {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.verifier()?.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        )
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configuration_speaks_http_1_1() {
        let config = client_config().unwrap();
        assert_eq!(config.alpn_protocols, vec![b"http/1.1".to_vec()]);
    }

    #[test]
    fn only_a_certificate_to_check_makes_the_platform_verifier() {
        let on_demand =
            PlatformVerifierOnDemand::new(Arc::new(crypto::aws_lc_rs::default_provider()));
        // A ClientHello lists the schemes: that must not read the trust store either.
        assert!(!on_demand.supported_verify_schemes().is_empty());
        assert!(on_demand.verifier.get().is_none());
    }
}
