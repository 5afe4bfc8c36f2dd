//! Mail transport: SMTP through lettre's pooled async transport, or, with no `SMTP_HOST`, the
//! dev mailbox, where "sending" means keeping the message in the outbox table for
//! `/dev/mailbox` to show. Email's delivery job (`email/jobs.rs`) uses it and never knows
//! which one runs.

use lettre::{
    AsyncSmtpTransport, AsyncTransport, Tokio1Executor,
    address::Envelope,
    transport::smtp::{
        authentication::Credentials,
        client::{Tls, TlsParameters},
    },
};
use secrecy::ExposeSecret;

use crate::config::{SmtpConfig, SmtpSecurity};

pub enum MailTransport {
    Smtp(Box<AsyncSmtpTransport<Tokio1Executor>>),
    DevMailbox,
}

impl MailTransport {
    pub fn from_config(smtp: Option<&SmtpConfig>) -> anyhow::Result<Self> {
        let Some(config) = smtp else {
            tracing::info!(
                service = "email",
                backend = "dev-mailbox",
                "email: dev mailbox (SMTP_HOST is not set); messages are shown at /dev/mailbox"
            );
            return Ok(Self::DevMailbox);
        };
        let tls = match config.security {
            SmtpSecurity::None => Tls::None,
            SmtpSecurity::StartTls => Tls::Required(TlsParameters::new(config.host.clone())?),
            SmtpSecurity::Tls => Tls::Wrapper(TlsParameters::new(config.host.clone())?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            .port(config.port)
            .tls(tls)
            .timeout(Some(config.timeout));
        if let (Some(username), Some(password)) = (&config.username, &config.password) {
            builder = builder.credentials(Credentials::new(
                username.clone(),
                password.expose_secret().to_owned(),
            ));
        }
        tracing::info!(
            service = "email",
            backend = "smtp",
            host = %config.host,
            port = config.port,
            security = ?config.security,
            "email: SMTP at {}:{}",
            config.host,
            config.port
        );
        Ok(Self::Smtp(Box::new(builder.build())))
    }

    /// `smtp` or `dev-mailbox`, as recorded on each delivered message.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Smtp(_) => "smtp",
            Self::DevMailbox => "dev-mailbox",
        }
    }

    pub async fn send(&self, envelope: &Envelope, raw_message: &[u8]) -> anyhow::Result<()> {
        match self {
            Self::Smtp(transport) => {
                transport.send_raw(envelope, raw_message).await?;
                Ok(())
            }
            Self::DevMailbox => Ok(()),
        }
    }

    /// Whether the SMTP server answers (for `/health/ready`); `None` for the dev mailbox.
    pub async fn check(&self) -> Option<bool> {
        match self {
            Self::Smtp(transport) => Some(transport.test_connection().await.unwrap_or(false)),
            Self::DevMailbox => None,
        }
    }
}
