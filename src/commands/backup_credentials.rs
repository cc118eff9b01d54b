//! `backup-credentials`: the SSH and/or FTP credentials Jetpack Backup uses
//! (`POST /rest/v1.3/jpphp/{blog_id}/ssh-credentials`, `.../ftp-credentials`).
//! By blog id only: without one nothing is sent.

use super::site::{site_flags, SiteCommand};
use crate::credentials::CredArgs;
use crate::endpoints;
use crate::error::{Error, Needed, Result};
use crate::flags::common::{BlogIdArg, SiteCommon, UrlArg};
use crate::flags::fields::{Fields, Form, SshFtpFieldSet};
use crate::flags::given;
use crate::flags::values::{blog_id, site_url, wp_settings};
use crate::job::{Meta, SiteAction, SiteJob};
use crate::site::{Need, Site, SiteSpec};
use crate::work::{Step, Work};
use clap::Parser;

pub const HELP: &str = "\
Required: --partner_id and --partner_secret (or their variables, or a token);
SSH: --ssh-host, --ssh-user and a password or --ssh-private-key; FTP:
--ftp-host and --ftp-user. A blog id (--blog_id, or Jetpack's from WordPress).

Examples:
  jetpack-partner backup-credentials -c=1234 --partner_secret_file=/etc/jetpack/secret \\
      --blog_id=12345 --ssh-host=ssh.example.com --ssh-user=deploy --ssh-pass-file=/root/ssh-pass
  jetpack-partner backup-credentials --path=/var/www/site --ftp-host=ftp.example.com \\
      --ftp-user=backup --ftp-pass-file=/root/ftp-pass

Both kinds given: two calls, one answer {\"ssh\":...,\"ftp\":...}. Passwords and
keys are never printed.";

#[derive(Parser, Debug, Clone, Default)]
#[command(
    name = "backup-credentials",
    about = "Set the SSH and/or FTP credentials Jetpack Backup uses for a site",
    after_help = HELP
)]
pub struct BackupCredentials {
    #[command(flatten)]
    pub creds: CredArgs,

    #[command(flatten)]
    pub blog_id: BlogIdArg,

    #[command(flatten)]
    pub url: UrlArg,

    #[command(flatten)]
    pub fields: Fields<SshFtpFieldSet>,

    #[command(flatten)]
    pub common: SiteCommon,
}

const META: Meta = Meta {
    name: "backup-credentials",
    // Both kinds at once: each call's answer or error under its own key.
    keys: &["ssh", "ftp"],
    ..Meta::SITE
};

impl SiteCommand for BackupCredentials {
    const META: &'static Meta = &META;

    site_flags!();

    fn job(&self) -> Result<SiteJob> {
        let (ssh, ftp) = forms(self.fields.form()?)?;
        Ok(SiteJob {
            site: SiteSpec {
                wp: wp_settings(&self.common.wp)?,
                url: site_url("--url", &self.url.url)?,
                blog_id: given(&self.blog_id.blog_id).map(blog_id).transpose()?,
                ..SiteSpec::default()
            },
            action: Box::new(SetCredentials { ssh, ftp }),
        })
    }
}

/// The SSH form (when any `--ssh-*` is given) and the FTP form (any
/// `--ftp-*`), each checked as the API would.
fn forms(form: Form) -> Result<(Option<Form>, Option<Form>)> {
    let part = |prefix: &str| -> Option<Form> {
        let part: Form = form
            .iter()
            .filter(|(k, _)| k.starts_with(prefix))
            .cloned()
            .collect();
        (!part.is_empty()).then_some(part)
    };
    let (ssh, ftp) = (part("ssh_"), part("ftp_"));
    let has =
        |form: &Option<Form>, k: &str| form.as_ref().is_some_and(|f| f.iter().any(|(n, _)| n == k));
    if ssh.is_none() && ftp.is_none() {
        return Err(Error::Missing(Needed::BackupCredentials));
    }
    for (form, needs) in [
        (
            &ssh,
            [("ssh_host", Needed::SshHost), ("ssh_user", Needed::SshUser)],
        ),
        (
            &ftp,
            [("ftp_host", Needed::FtpHost), ("ftp_user", Needed::FtpUser)],
        ),
    ] {
        if let Some((_, needed)) = needs.iter().find(|(k, _)| form.is_some() && !has(form, k)) {
            return Err(Error::Missing(*needed));
        }
    }
    if ssh.is_some() && !has(&ssh, "ssh_pass") && !has(&ssh, "ssh_private_key") {
        return Err(Error::SshUserAlone);
    }
    Ok((ssh, ftp))
}

/// The SSH and/or FTP form (secrets read).
#[derive(Debug, Hash)]
struct SetCredentials {
    ssh: Option<Form>,
    ftp: Option<Form>,
}

impl SiteAction for SetCredentials {
    fn need(&self, _: bool) -> Need<'_> {
        Need::BlogId
    }

    /// A site without a Jetpack blog id is `invalid_input` with no request
    /// at all (SPEC §7), and with `--blog_id` there is nothing to wait for.
    fn token_while_wordpress_boots(&self) -> bool {
        false
    }

    fn steps(&self, site: &Site) -> Work {
        let mut calls = Vec::new();
        if let Some(form) = &self.ssh {
            calls.push((
                "ssh",
                endpoints::SSH_CREDENTIALS.at(&site.id).form(form.clone()),
            ));
        }
        if let Some(form) = &self.ftp {
            calls.push((
                "ftp",
                endpoints::FTP_CREDENTIALS.at(&site.id).form(form.clone()),
            ));
        }
        match calls.len() {
            1 => Work::send(calls.remove(0).1),
            _ => Work {
                steps: vec![Step::Each(calls)],
            },
        }
    }
}
