//! Who calls when no caller was given: settled against the policies that take part, since
//! what a resource-based policy, an RCP or a VPC endpoint policy grants depends on the caller.

use crate::eval::authorize::{PolicyRole, PolicySet, role_applies};
use crate::request::{Request, RequestError, RequestErrorKind};

/// The policies of `set` that take part in `request` and name callers: the resource-based
/// policy, the RCPs and the VPC endpoint policy.
fn caller_dependent(set: &PolicySet, request: &Request) -> Vec<(PolicyRole, String)> {
    set.policies()
        .iter()
        .filter(|(role, _)| {
            matches!(
                role,
                PolicyRole::Resource
                    | PolicyRole::Registry(_)
                    | PolicyRole::Rcp(_)
                    | PolicyRole::VpcEndpoint
            ) && role_applies(*role, request)
        })
        .map(|(role, policy)| (*role, policy.source.name.clone()))
        .collect()
}

/// Settles who calls. With a caller, the request is unchanged. Without one, a request that a
/// resource-based policy, an RCP or a VPC endpoint policy takes part in is an error
/// ([`RequestErrorKind::CallerRequired`]): what those grant or deny depends on who calls.
/// Otherwise the caller is assumed to be the IAM user `crate::request::assume::ASSUMED_CALLER_NAME` of the account that
/// owns the resource, so a same-account answer is never given for an unknown account by
/// accident; a request on `*` with no account to go by keeps an unknown caller.
pub fn settle_caller(set: &PolicySet, request: Request) -> Result<Request, RequestError> {
    if request.caller().is_some() {
        return Ok(request);
    }
    let dependent = caller_dependent(set, &request);
    if let Some((role, name)) = dependent.first() {
        return Err(RequestError {
            kind: RequestErrorKind::CallerRequired,
            message: format!(
                "{name} ({role}) takes part in this request, and what it grants or denies depends on who calls, but no caller was given"
            ),
            help: Some(
                "give the caller: an IAM user, role or role-session ARN, a root ARN, a service principal such as `codebuild.amazonaws.com`, or `anonymous`"
                    .into(),
            ),
        });
    }
    Ok(request.with_assumed_caller())
}

/// Whether the request goes through a VPC endpoint: a VPC endpoint policy takes part.
pub(crate) fn via_vpc_endpoint(set: &PolicySet) -> bool {
    set.has(PolicyRole::VpcEndpoint)
}
