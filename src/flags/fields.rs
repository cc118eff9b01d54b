//! Flags that become form fields, one table row each: the flag's
//! spellings, its help, and how its value reaches the API (as given, as a
//! secret, or read from a file). provision forwards them; backup-credentials
//! sends the SSH/FTP rows.

use crate::credentials::{read_file, read_first_line};
use crate::error::Result;
use crate::output;
use clap::{Arg, ArgMatches, Args, Command, FromArgMatches};
use std::marker::PhantomData;
use std::path::Path;

/// Form fields, in the order they are sent.
pub type Form = Vec<(String, String)>;

/// How a forwarded flag's value reaches the API.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// As given.
    Value,
    /// As given, and it is a secret.
    Secret,
    /// A path: the file's contents are sent, and they are a secret.
    FileContents,
    /// A path: the file's first line is sent (as `Field::api`, unless that
    /// flag was given itself), and it is a secret.
    FirstLine,
}

/// One flag that becomes one form field.
#[derive(Debug)]
pub struct Field {
    /// The flag's id.
    pub name: &'static str,
    /// The form field it fills.
    pub api: &'static str,
    pub long: &'static str,
    pub alias: &'static str,
    pub short: Option<char>,
    pub value_name: &'static str,
    pub help: &'static str,
    pub heading: &'static str,
    pub kind: Kind,
}

const fn field(name: &'static str, long: &'static str, alias: &'static str) -> Field {
    Field {
        name,
        api: name,
        long,
        alias,
        short: None,
        value_name: "VALUE",
        help: "Forwarded",
        heading: "Provision",
        kind: Kind::Value,
    }
}

const fn ssh_ftp(name: &'static str, long: &'static str, value_name: &'static str) -> Field {
    Field {
        name,
        api: name,
        long,
        alias: name,
        short: None,
        value_name,
        help: "",
        heading: "SSH / FTP",
        kind: Kind::Value,
    }
}

/// provision's own optional fields, in the order the newest script sent
/// them: one row per flag.
pub const PROVISION_FIELDS: &[Field] = &[
    Field {
        short: Some('p'),
        value_name: "SLUG",
        help: "Plan or product slug (free, personal, premium, professional, jetpack-backup-daily, ...)",
        ..field("plan", "plan", "")
    },
    Field {
        short: Some('o'),
        value_name: "BOOL",
        help: "Forwarded: put the user through onboarding",
        ..field("onboarding", "onboarding", "")
    },
    Field {
        short: Some('w'),
        value_name: "ID",
        help: "Forwarded; with an access_token in the answer, also runs `wp jetpack authorize_user`",
        ..field("wpcom_user_id", "wpcom_user_id", "wpcom-user-id")
    },
    Field {
        short: Some('e'),
        value_name: "EMAIL",
        ..field("wpcom_user_email", "wpcom_user_email", "wpcom-user-email")
    },
    Field {
        value_name: "BOOL",
        help: "Forwarded: re-register the site even if it has tokens",
        ..field("force_register", "force_register", "force-register")
    },
    Field {
        value_name: "BOOL",
        help: "Forwarded: re-connect the user even if they have tokens",
        ..field("force_connect", "force_connect", "force-connect")
    },
    Field {
        value_name: "URL",
        help: "Forwarded: the home URL, when it differs from the siteurl",
        ..field("home_url", "home_url", "home-url")
    },
];

/// The Jetpack Backup credentials (provision forwards them;
/// backup-credentials sets them): one row per flag.
pub const SSH_FTP_FIELDS: &[Field] = &[
    ssh_ftp("ssh_host", "ssh-host", "HOST"),
    Field {
        help: "[default: 22]",
        ..ssh_ftp("ssh_port", "ssh-port", "PORT")
    },
    Field {
        help: "Needs a password (--ssh-pass, --ssh-pass-file) or --ssh-private-key",
        ..ssh_ftp("ssh_user", "ssh-user", "USER")
    },
    Field {
        kind: Kind::Secret,
        help: "Visible in ps: prefer --ssh-pass-file",
        ..ssh_ftp("ssh_pass", "ssh-pass", "PASS")
    },
    Field {
        api: "ssh_pass",
        kind: Kind::FirstLine,
        help: "Read the SSH password from this file (first line)",
        ..ssh_ftp("ssh_pass_file", "ssh-pass-file", "PATH")
    },
    Field {
        kind: Kind::FileContents,
        help: "A file; its contents are sent as ssh_private_key",
        ..ssh_ftp("ssh_private_key", "ssh-private-key", "PATH")
    },
    ssh_ftp("ftp_host", "ftp-host", "HOST"),
    Field {
        help: "[default: 21]",
        ..ssh_ftp("ftp_port", "ftp-port", "PORT")
    },
    ssh_ftp("ftp_user", "ftp-user", "USER"),
    Field {
        kind: Kind::Secret,
        help: "Visible in ps: prefer --ftp-pass-file",
        ..ssh_ftp("ftp_pass", "ftp-pass", "PASS")
    },
    Field {
        api: "ftp_pass",
        kind: Kind::FirstLine,
        help: "Read the FTP password from this file (first line)",
        ..ssh_ftp("ftp_pass_file", "ftp-pass-file", "PATH")
    },
];

/// Every spelling of a flag whose value is a secret: usage errors never
/// echo what follows them.
pub fn secret_flags() -> Vec<String> {
    let mut names = vec![
        "-s".to_string(),
        "--partner_secret".to_string(),
        "--partner-secret".to_string(),
    ];
    for f in SSH_FTP_FIELDS.iter().filter(|f| f.kind == Kind::Secret) {
        names.push(format!("--{}", f.long));
        names.push(format!("--{}", f.alias));
    }
    names
}

/// Tables of [`Field`]s, as a type (so one clap struct can flatten them).
pub trait FieldSet: Clone + Default + std::fmt::Debug + Send + Sync + 'static {
    const TABLES: &'static [&'static [Field]];
}

#[derive(Debug, Clone, Default)]
pub struct ProvisionFieldSet;
impl FieldSet for ProvisionFieldSet {
    const TABLES: &'static [&'static [Field]] = &[PROVISION_FIELDS, SSH_FTP_FIELDS];
}

#[derive(Debug, Clone, Default)]
pub struct SshFtpFieldSet;
impl FieldSet for SshFtpFieldSet {
    const TABLES: &'static [&'static [Field]] = &[SSH_FTP_FIELDS];
}

/// The values given for a field table, in table order.
#[derive(Debug, Clone, Default)]
pub struct Fields<S: FieldSet> {
    pub given: Vec<(&'static Field, String)>,
    set: PhantomData<S>,
}

impl<S: FieldSet> Fields<S> {
    fn rows() -> impl Iterator<Item = &'static Field> {
        S::TABLES.iter().flat_map(|t| t.iter())
    }

    /// Was the flag with this id given?
    pub fn has(&self, name: &str) -> bool {
        self.given.iter().any(|(f, _)| f.name == name)
    }
}

impl<S: FieldSet> FromArgMatches for Fields<S> {
    fn from_arg_matches(m: &ArgMatches) -> std::result::Result<Self, clap::Error> {
        let mut f = Fields::default();
        f.update_from_arg_matches(m)?;
        Ok(f)
    }

    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> std::result::Result<(), clap::Error> {
        self.given = Self::rows()
            .filter_map(|f| {
                m.get_one::<String>(f.name)
                    .filter(|v| !v.is_empty())
                    .map(|v| (f, v.clone()))
            })
            .collect();
        Ok(())
    }
}

impl<S: FieldSet> Args for Fields<S> {
    fn augment_args(mut cmd: Command) -> Command {
        for f in Self::rows() {
            let mut arg = Arg::new(f.name)
                .long(f.long)
                .value_name(f.value_name)
                .help_heading(f.heading);
            if !f.alias.is_empty() && f.alias != f.long {
                arg = arg.visible_alias(f.alias);
            }
            if let Some(c) = f.short {
                arg = arg.short(c);
            }
            if !f.help.is_empty() {
                arg = arg.help(f.help);
            }
            if f.kind == Kind::Secret {
                arg = arg.allow_hyphen_values(true);
            }
            cmd = cmd.arg(arg);
        }
        cmd
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        Self::augment_args(cmd)
    }
}

impl<S: FieldSet> Fields<S> {
    /// The given fields as form fields, secrets read from their files and
    /// registered; a password file stands in only where its flag was not
    /// given.
    pub fn form(&self) -> Result<Form> {
        let mut form: Form = Vec::with_capacity(self.given.len());
        for (f, v) in &self.given {
            let value = match f.kind {
                Kind::Value | Kind::Secret => v.clone(),
                Kind::FileContents => read_file(&format!("--{}", f.long), Path::new(v))?,
                Kind::FirstLine => {
                    if form.iter().any(|(k, _)| k == f.api) {
                        continue;
                    }
                    read_first_line(&format!("--{}", f.long), Path::new(v))?
                }
            };
            if f.kind != Kind::Value {
                output::register_secret(&value);
            }
            if f.kind == Kind::FileContents {
                // A key echoed back may come line by line, or only its body.
                for line in value.lines().map(str::trim) {
                    if line.len() >= 16 && !line.starts_with("-----") {
                        output::register_secret(line);
                    }
                }
            }
            form.push((f.api.to_string(), value));
        }
        Ok(form)
    }
}
