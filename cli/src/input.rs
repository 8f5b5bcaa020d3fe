//! Reading policy documents, with errors that name the file: the one input layer of every
//! command ([`read_inputs`], [`parse_input`]). A policy argument is a file, `-` (standard input,
//! once per invocation) or a directory (every `*.json` in it, sorted); a document is plain or in
//! any shape the AWS CLI prints around it.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use ecrsim_engine::{
    Context, Policy, PolicyInput, PolicyKind, PolicyRole, PolicySet, parse_policy,
    read_policy_input,
};

use ecrsim_engine::parse_organization;
use ecrsim_engine::{OrgScope, Organization};

use crate::PolicyArgs;

/// A policy file could not be loaded: the message is ready to print.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError(pub String);

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether standard input was read already: it holds one input per invocation.
static STDIN_TAKEN: AtomicBool = AtomicBool::new(false);

/// The error of a second `-`.
const STDIN_TWICE: &str = "`-` (standard input) can be given only once";

/// Reads standard input to its end; a second call in the same invocation is an error, as
/// standard input holds one document.
pub fn read_stdin() -> Result<Vec<u8>, LoadError> {
    if STDIN_TAKEN.swap(true, Ordering::SeqCst) {
        return Err(LoadError(STDIN_TWICE.into()));
    }
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|e| LoadError(format!("cannot read standard input: {e}")))?;
    Ok(bytes)
}

/// An error before anything is read when `-` is among `paths` more than once.
pub fn check_stdin_once<'a>(paths: impl IntoIterator<Item = &'a Path>) -> Result<(), LoadError> {
    if paths.into_iter().filter(|p| p.as_os_str() == "-").count() > 1 {
        return Err(LoadError(STDIN_TWICE.into()));
    }
    Ok(())
}

/// One input file: its name as shown (`<stdin>` for standard input) and its bytes, without a
/// UTF-8 byte-order mark.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputFile {
    /// The name errors and reports use.
    pub name: String,
    /// The content.
    pub bytes: Vec<u8>,
}

/// The one reader of policy arguments: `-` is standard input (once per invocation), a directory
/// is every `*.json` file in it, sorted by name (an error when there is none), anything else one
/// file.
pub fn read_inputs(path: &Path) -> Result<Vec<InputFile>, LoadError> {
    let file = |name: String, bytes: Vec<u8>| {
        let bytes = match crate::friendly::strip_bom(&bytes) {
            stripped if stripped.len() < bytes.len() => stripped.to_vec(),
            _ => bytes,
        };
        InputFile { name, bytes }
    };
    if path.as_os_str() == "-" {
        return Ok(vec![file("<stdin>".into(), read_stdin()?)]);
    }
    if path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| LoadError(crate::errors::io(path, &e)))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json") && !p.is_dir())
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(LoadError(format!(
                "{} is a directory with no *.json file: give policy files, or a directory holding them",
                path.display()
            )));
        }
        return files
            .into_iter()
            .map(|p| {
                let bytes = std::fs::read(&p).map_err(|e| LoadError(crate::errors::io(&p, &e)))?;
                Ok(file(p.display().to_string(), bytes))
            })
            .collect();
    }
    let bytes = std::fs::read(path).map_err(|e| LoadError(crate::errors::io(path, &e)))?;
    Ok(vec![file(path.display().to_string(), bytes)])
}

/// Reads one input file as a policy document of `kind` (plain, or any AWS CLI output shape, see
/// [`ecrsim_engine::read_policy_input`]); a refused file that is a common mistake (YAML, empty,
/// a trust policy, an authorization-details dump) gets the friendly error.
pub fn parse_input(file: &InputFile, kind: PolicyKind) -> Result<(Policy, PolicyInput), LoadError> {
    read_policy_input(&file.name, &file.bytes)
        .and_then(|input| Ok((input.policy(kind)?, input)))
        .map_err(|e| {
            LoadError(
                crate::friendly::explain(&file.name, &file.bytes, kind)
                    .unwrap_or_else(|| crate::errors::policy(&e)),
            )
        })
}

/// Every policy a policy argument names: one for a file or `-`, one per `*.json` for a
/// directory.
pub fn load_policies(path: &Path, kind: PolicyKind) -> Result<Vec<Policy>, LoadError> {
    read_inputs(path)?
        .iter()
        .map(|file| parse_input(file, kind).map(|(policy, _)| policy))
        .collect()
}

/// The one policy a policy argument names where one is expected: a directory must hold exactly
/// one `*.json` file. The document's input form comes with it (`fix` edits the document).
pub fn load_document(path: &Path, kind: PolicyKind) -> Result<(Policy, PolicyInput), LoadError> {
    let files = read_inputs(path)?;
    match files.as_slice() {
        [one] => parse_input(one, kind),
        many => Err(LoadError(format!(
            "{} holds {} policies ({}), where one policy is expected: name the file",
            path.display(),
            many.len(),
            many.iter()
                .map(|f| f.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// [`load_document`] without the input form.
pub fn load_policy(path: &Path, kind: PolicyKind) -> Result<Policy, LoadError> {
    load_document(path, kind).map(|(policy, _)| policy)
}

/// An AWS managed policy by name or ARN, with a suggestion when the name is misspelt.
pub fn load_managed_policy(name: &str) -> Result<Policy, LoadError> {
    let Some(managed) = ecrsim_engine::find_managed_policy(name) else {
        let hint = ecrsim_engine::suggest_managed_policy(name)
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        return Err(LoadError(format!(
            "unknown AWS managed policy `{name}`{hint} (list them with `ecrsim managed-policies`)"
        )));
    };
    parse_policy(
        &format!("managed:{}", managed.name()),
        managed.document().as_bytes(),
        PolicyKind::Identity,
    )
    .map_err(|e| LoadError(crate::errors::policy(&e)))
}

/// One organization level of policy files, written `FILE[,FILE...]` (`--scp-level`). This is
/// the one parser of that spec: the flags parse with it, and `ecrsim test` prints its reproducers
/// with the inverse ([`Display`](std::fmt::Display)), so a level is never split twice.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PolicyLevel {
    /// The level's policy files, in the order given.
    pub files: Vec<PathBuf>,
}

impl std::str::FromStr for PolicyLevel {
    type Err = String;

    fn from_str(spec: &str) -> Result<PolicyLevel, String> {
        if spec.split(',').any(str::is_empty) {
            return Err(format!(
                "empty file name in `{spec}`: expected FILE[,FILE...], one level per flag"
            ));
        }
        Ok(PolicyLevel {
            files: spec.split(',').map(PathBuf::from).collect(),
        })
    }
}

impl std::fmt::Display for PolicyLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, file) in self.files.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{}", file.display())?;
        }
        Ok(())
    }
}

impl PolicyArgs {
    /// Every policy file the flags name, in every role (managed policies are names, not files).
    pub fn files(&self) -> impl Iterator<Item = &Path> {
        self.policies
            .iter()
            .chain(&self.identity_policies)
            .chain(&self.resource_policy)
            .chain(&self.boundary)
            .chain(&self.session_policy)
            .chain(&self.scps)
            .chain(self.scp_levels.iter().flat_map(|level| &level.files))
            .chain(&self.rcps)
            .chain(self.rcp_levels.iter().flat_map(|level| &level.files))
            .chain(&self.vpc_endpoint_policy)
            .chain(&self.registry_policy)
            .map(PathBuf::as_path)
    }
}

/// Loads every policy named by the flags into a set, each in its role.
pub fn load_policy_set(args: &PolicyArgs) -> Result<PolicySet, LoadError> {
    if args.snapshot.is_some() {
        return Err(LoadError(
            "this command does not take --snapshot yet (check, fix, who-can and can-what do)"
                .into(),
        ));
    }
    check_stdin_once(args.files())?;
    if !args.scps.is_empty() && !args.scp_levels.is_empty() {
        return Err(LoadError(
            "give SCPs either with --scp (one level) or with --scp-level (one flag per level), not both".into(),
        ));
    }
    if args.org.is_some()
        && !(args.scps.is_empty()
            && args.scp_levels.is_empty()
            && args.rcps.is_empty()
            && args.rcp_levels.is_empty())
    {
        return Err(LoadError(
            "--org gives the SCPs and RCPs: leave out --scp, --scp-level, --rcp and --rcp-level"
                .into(),
        ));
    }
    if let Some(account) = &args.management_account {
        check_account(account)?;
    }
    let mut set = PolicySet::new();
    let mut add = |role: PolicyRole, policy: Policy| {
        set.add_as(role, policy)
            .map_err(|e| LoadError(e.to_string()))
    };
    for path in args.policies.iter().chain(&args.identity_policies) {
        for policy in load_policies(path, PolicyKind::Identity)? {
            add(PolicyRole::Identity, policy)?;
        }
    }
    for name in &args.managed_policies {
        add(PolicyRole::Identity, load_managed_policy(name)?)?;
    }
    let singles = [
        (&args.resource_policy, PolicyRole::Resource),
        (&args.boundary, PolicyRole::Boundary),
        (&args.session_policy, PolicyRole::Session),
        (&args.vpc_endpoint_policy, PolicyRole::VpcEndpoint),
    ];
    for (path, role) in singles {
        if let Some(path) = path {
            add(role, load_policy(path, role.kind())?)?;
        }
    }
    for path in &args.scps {
        for policy in load_policies(path, PolicyKind::Scp)? {
            add(PolicyRole::Scp(0), policy)?;
        }
    }
    for path in &args.rcps {
        for policy in load_policies(path, PolicyKind::Rcp)? {
            add(PolicyRole::Rcp(0), policy)?;
        }
    }
    if !args.rcps.is_empty() && !args.rcp_levels.is_empty() {
        return Err(LoadError(
            "give RCPs either with --rcp (one level) or with --rcp-level (one flag per level), not both".into(),
        ));
    }
    let levels = [
        (&args.scp_levels, PolicyKind::Scp, "--scp-level"),
        (&args.rcp_levels, PolicyKind::Rcp, "--rcp-level"),
    ];
    for (list, kind, flag) in levels {
        for (level, files) in list.iter().enumerate() {
            let mut policies = Vec::new();
            for file in &files.files {
                policies.extend(load_policies(file, kind)?);
            }
            let role = match kind {
                PolicyKind::Scp => PolicyRole::Scp(level),
                _ => PolicyRole::Rcp(level),
            };
            set.add_level(role, policies)
                .map_err(|e| LoadError(format!("{e} ({flag} number {} is empty)", level + 1)))?;
        }
    }
    if let Some(path) = &args.registry_policy {
        let scope = args.registry_policy_scope.unwrap_or_default();
        let policy = load_policy(path, PolicyKind::Registry)?;
        let unsupported = ecrsim_engine::unsupported_actions(&policy, scope);
        if let Some(first) = unsupported.first() {
            return Err(LoadError(format!(
                "{}: statement {} has `{}`, which a registry with policy scope V1 rejects (AWS saves only {} there, or `ecr:*`); use --registry-policy-scope V2 if the registry has the extended scope",
                policy.source.name,
                first.statement,
                first.action,
                ecrsim_engine::V1_ACTIONS.join(", ")
            )));
        }
        set.add_as(PolicyRole::Registry(scope), policy)
            .map_err(|e| LoadError(e.to_string()))?;
    }
    Ok(set)
}

/// Reads an organization file; its policy files are named relative to it.
pub fn load_organization(path: &Path) -> Result<Organization, LoadError> {
    let bytes = std::fs::read(path)
        .map_err(|e| LoadError(format!("cannot read {}: {e}", path.display())))?;
    let dir = path.parent().unwrap_or(Path::new("")).to_path_buf();
    let mut load = |name: &str| -> Result<Vec<u8>, String> {
        let file = dir.join(name);
        std::fs::read(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))
    };
    parse_organization(&path.display().to_string(), &bytes, &mut load)
        .map_err(|e| LoadError(e.to_string()))
}

/// What `--org` and `--management-account` say of the organization: the file read, and the
/// management account given, else the file's; an error when they disagree.
pub fn org_scope(args: &PolicyArgs) -> Result<OrgScope, LoadError> {
    let organization = args.org.as_deref().map(load_organization).transpose()?;
    if let (Some(org), Some(given)) = (&organization, &args.management_account)
        && org.management_account.as_ref().is_some_and(|m| m != given)
    {
        return Err(LoadError(format!(
            "--management-account {given} disagrees with the organization file's managementAccount {}",
            org.management_account.as_deref().unwrap_or("")
        )));
    }
    Ok(OrgScope {
        management_account: args
            .management_account
            .clone()
            .or_else(|| organization.as_ref()?.management_account.clone()),
        organization,
    })
}

/// Applies `--org` and `--management-account` to a set and its requests: adds the SCP levels
/// of the caller's account and the RCP levels of the resource's account (the requests of a
/// workflow share both), and gives every request what is known of the organization.
pub fn apply_organization(
    args: &PolicyArgs,
    set: &mut PolicySet,
    requests: Vec<ecrsim_engine::Request>,
) -> Result<Vec<ecrsim_engine::Request>, LoadError> {
    if args.org.is_none() && args.management_account.is_none() {
        return Ok(requests);
    }
    let scope = Arc::new(org_scope(args)?);
    if let Some(org) = &scope.organization {
        let caller_account = requests
            .iter()
            .find_map(|r| r.caller().and_then(|c| c.account.clone()));
        let resource_account = requests
            .iter()
            .find_map(|r| r.resource_account().map(str::to_string));
        ecrsim_engine::add_org_levels(
            org,
            set,
            caller_account.as_deref(),
            resource_account.as_deref(),
        )
        .map_err(|e| LoadError(e.to_string()))?;
    }
    Ok(requests
        .into_iter()
        .map(|r| r.with_org_scope(scope.clone()))
        .collect())
}

/// Parses `--registry-policy-scope`.
pub fn parse_registry_scope(text: &str) -> Result<ecrsim_engine::RegistryScope, String> {
    ecrsim_engine::RegistryScope::from_name(text)
        .ok_or_else(|| format!("invalid registry policy scope `{text}`: expected V1 or V2"))
}

/// Builds the request context from `--context-file` (read first) and `--context KEY=VALUE`
/// flags; a key given by flags replaces the file's value, and a key repeated in flags becomes
/// multi-valued.
pub fn load_context(file: Option<&Path>, pairs: &[String]) -> Result<Context, LoadError> {
    let mut context = match file {
        None => Context::new(),
        Some(path) => {
            let bytes = std::fs::read(path)
                .map_err(|e| LoadError(format!("cannot read {}: {e}", path.display())))?;
            let json = ecrsim_engine::parse_json(&bytes).map_err(|e| {
                LoadError(format!(
                    "{}:{}: invalid JSON: {}",
                    path.display(),
                    e.pos,
                    e.message
                ))
            })?;
            Context::from_json(&json).map_err(|(pos, message)| {
                LoadError(format!("{}:{pos}: {message}", path.display()))
            })?
        }
    };
    let mut from_flags = Context::new();
    for pair in pairs {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(LoadError(format!(
                "invalid --context `{pair}`: expected KEY=VALUE, e.g. --context aws:SourceIp=10.1.2.3"
            )));
        };
        if !key.contains(':') {
            return Err(LoadError(format!(
                "invalid --context key `{key}`: expected `service:KeyName`, e.g. aws:SourceIp"
            )));
        }
        from_flags.push(key, value.to_string());
    }
    for (key, value) in from_flags.iter() {
        context.insert(key, value.clone());
    }
    Ok(context)
}

/// The context pairs (`KEY=VALUE`) of `--resource-tag`, `--principal-tag` and `--request-tag`:
/// a resource tag is `aws:ResourceTag/K` and `ecr:ResourceTag/K`, a principal tag
/// `aws:PrincipalTag/K`, a request tag `aws:RequestTag/K` plus `K` in `aws:TagKeys` (SAR, Amazon
/// ECR condition keys).
pub fn tag_context<S: AsRef<str>>(
    resource: &[S],
    principal: &[S],
    request: &[S],
) -> Result<Vec<String>, String> {
    let mut pairs = Vec::new();
    let split = |flag: &str, tag: &str| -> Result<(String, String), String> {
        match tag.split_once('=') {
            Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
            _ => Err(format!(
                "invalid {flag} `{tag}`: expected KEY=VALUE, e.g. {flag} team=payments"
            )),
        }
    };
    for tag in resource {
        let (k, v) = split("--resource-tag", tag.as_ref())?;
        pairs.push(format!("aws:ResourceTag/{k}={v}"));
        pairs.push(format!("ecr:ResourceTag/{k}={v}"));
    }
    for tag in principal {
        let (k, v) = split("--principal-tag", tag.as_ref())?;
        pairs.push(format!("aws:PrincipalTag/{k}={v}"));
    }
    for tag in request {
        let (k, v) = split("--request-tag", tag.as_ref())?;
        pairs.push(format!("aws:RequestTag/{k}={v}"));
        pairs.push(format!("aws:TagKeys={k}"));
    }
    Ok(pairs)
}

/// Checks `--resource-account` (and `--management-account`): twelve digits.
pub fn check_account(account: &str) -> Result<(), LoadError> {
    ecrsim_engine::check_account(account).map_err(|e| LoadError(e.to_string()))
}

/// The requests named by `--action`/`--workflow`, `--resource`, `--principal` and the context
/// flags; the workflow, if one was named.
pub fn build_requests(
    args: &crate::RequestArgs,
) -> Result<
    (
        Vec<ecrsim_engine::Request>,
        Option<&'static ecrsim_engine::Workflow>,
    ),
    LoadError,
> {
    use ecrsim_engine::Request;
    let mut pairs = tag_context(
        &args.resource_tags,
        &args.principal_tags,
        &args.request_tags,
    )
    .map_err(LoadError)?;
    pairs.extend(args.context.iter().cloned());
    let context = load_context(args.context_file.as_deref(), &pairs)?;
    if let Some(account) = &args.resource_account {
        check_account(account)?;
    }
    let at = args
        .at
        .as_deref()
        .map(ecrsim_engine::parse_time)
        .transpose()
        .map_err(request_error)?;
    let resource = image_resource(args)?;
    let (requests, workflow) = match (&args.workflow, &args.action) {
        (Some(name), _) => {
            let Some(workflow) = ecrsim_engine::find_workflow(name) else {
                return Err(LoadError(format!(
                    "unknown workflow `{name}`: expected one of {}",
                    ecrsim_engine::workflow_names().join(", ")
                )));
            };
            let requests = ecrsim_engine::requests_with_key(
                workflow.actions,
                resource.as_deref(),
                args.kms_key.as_deref(),
                args.principal.as_deref(),
            )
            .map_err(|e| match e {
                ecrsim_engine::WorkflowError::NeedsRepository { action } => LoadError(format!(
                    "`{action}` acts on a repository: give its ARN with --resource\n  = help: e.g. --resource arn:aws:ecr:us-east-1:123456789012:repository/my-app"
                )),
                ecrsim_engine::WorkflowError::NeedsKmsKey { action } => LoadError(format!(
                    "`{action}` acts on a KMS key: give its ARN with --kms-key\n  = help: e.g. --kms-key arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
                )),
                ecrsim_engine::WorkflowError::Request(e) => request_error(e),
                other => LoadError(other.to_string()),
            })?;
            (requests, Some(workflow))
        }
        (None, Some(action)) => {
            let Some(resource) = &resource else {
                return Err(LoadError(
                    "missing --resource: give the resource ARN, or `*` for an account-level action"
                        .into(),
                ));
            };
            let request =
                Request::new(action, resource, args.principal.as_deref()).map_err(request_error)?;
            (vec![request], None)
        }
        (None, None) => return Err(LoadError("give --action or --workflow".into())),
    };
    let requests = requests
        .into_iter()
        .map(|r| {
            let r = r
                .with_checked_context(context.clone())
                .map_err(request_error)?;
            let r = match &args.resource_account {
                Some(account) => r.with_resource_account(account),
                None => r,
            };
            let r = match at {
                Some(at) => r.with_time(at),
                None => r,
            };
            let r = if args.called_via.is_empty() {
                r
            } else {
                r.with_called_via(args.called_via.clone())
            };
            match &args.region {
                Some(region) => r.with_region(region).map_err(request_error),
                None => Ok(r),
            }
        })
        .collect::<Result<_, _>>()?;
    Ok((requests, workflow))
}

/// The resource of `--image`, or of `--resource` when it is a `public.ecr.aws` reference,
/// resolved to the repository ARN; other `--resource` values unchanged.
fn image_resource(args: &crate::RequestArgs) -> Result<Option<String>, LoadError> {
    use ecrsim_engine::{ImageRefError, image_to_arn};
    let text = match (&args.image, &args.resource) {
        (Some(image), _) => image,
        (None, Some(r))
            if r.trim_start_matches("https://")
                .starts_with("public.ecr.aws/") =>
        {
            r
        }
        (None, other) => return Ok(other.clone()),
    };
    match image_to_arn(text, args.resource_account.as_deref()) {
        // A private registry URI stays as given: the request keeps it and notes the ARN.
        Ok(_) if text.contains(".dkr.ecr") => Ok(Some(text.clone())),
        Ok(arn) => {
            say!("note: image `{text}` is the ECR Public repository {arn}");
            Ok(Some(arn))
        }
        Err(ImageRefError::PublicNeedsAccount) => Err(LoadError(format!(
            "`{text}` names an ECR Public registry by its alias, which does not say the account: give the registry's account with --resource-account"
        ))),
        Err(_) => Err(LoadError(format!(
            "invalid image reference `{text}`: expected ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME[:TAG|@sha256:DIGEST] or public.ecr.aws/ALIAS/NAME[:TAG]"
        ))),
    }
}

/// A request error as the CLI prints it, naming the flag that fixes it.
pub fn request_error(e: ecrsim_engine::RequestError) -> LoadError {
    use ecrsim_engine::RequestErrorKind as K;
    let flag = match e.kind {
        K::CallerRequired => Some("--principal"),
        K::InvalidContextValue => Some("--context"),
        K::InvalidTime => Some("--at"),
        _ => None,
    };
    let rendered = match (&e.help, flag) {
        (Some(help), Some(flag)) => format!("{}\n  = help: {help} (use {flag})", e.message),
        (Some(help), None) => format!("{}\n  = help: {help}", e.message),
        (None, _) => e.message.clone(),
    };
    LoadError(crate::errors::request(&e, rendered))
}

/// Settles each request's caller against the policies ([`ecrsim_engine::settle_caller`]):
/// an error when a resource-side policy takes part and no caller was given, else the assumed
/// caller.
pub fn settle_callers(
    set: &PolicySet,
    requests: Vec<ecrsim_engine::Request>,
) -> Result<Vec<ecrsim_engine::Request>, LoadError> {
    requests
        .into_iter()
        .map(|r| ecrsim_engine::settle_caller(set, r).map_err(request_error))
        .collect()
}

/// `--kind`: how to read a policy file, which decides the elements it may have.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum KindArg {
    /// Identity-based policy (user, group or role): no `Principal`.
    #[default]
    Identity,
    /// Resource-based policy, such as an ECR repository policy: `Principal` required.
    Resource,
    /// Permissions boundary.
    Boundary,
    /// Session policy.
    Session,
    /// Service control policy.
    Scp,
    /// Resource control policy.
    Rcp,
    /// VPC endpoint policy.
    VpcEndpoint,
    /// ECR registry policy: `Principal` required.
    Registry,
}

impl KindArg {
    /// The engine's policy kind.
    pub fn policy_kind(self) -> PolicyKind {
        match self {
            KindArg::Identity => PolicyKind::Identity,
            KindArg::Resource => PolicyKind::Resource,
            KindArg::Boundary => PolicyKind::Boundary,
            KindArg::Session => PolicyKind::Session,
            KindArg::Scp => PolicyKind::Scp,
            KindArg::Rcp => PolicyKind::Rcp,
            KindArg::VpcEndpoint => PolicyKind::VpcEndpoint,
            KindArg::Registry => PolicyKind::Registry,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::PolicyLevel;

    #[test]
    fn a_level_spec_is_comma_separated_files_and_prints_back_the_same() {
        let level: PolicyLevel = "root.json,dir/ou a.json".parse().unwrap_or_default();
        assert_eq!(
            level.files,
            [
                std::path::PathBuf::from("root.json"),
                "dir/ou a.json".into()
            ]
        );
        assert_eq!(level.to_string(), "root.json,dir/ou a.json");
        assert_eq!(
            "one.json".parse::<PolicyLevel>().map(|l| l.files.len()),
            Ok(1)
        );
    }

    #[test]
    fn an_empty_file_name_in_a_level_is_an_error() {
        for spec in ["", "a.json,", ",a.json", "a.json,,b.json"] {
            let error = spec.parse::<PolicyLevel>().err().unwrap_or_default();
            assert!(error.contains("empty file name"), "{spec:?}: {error:?}");
        }
    }
}
