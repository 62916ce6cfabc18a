"""IAM records. IAM is global: every record is scoped to its account, never to a Region.

IAM names are unique without regard to case ("you cannot create users named both TESTUSER and
testuser"), so records are keyed by the lower-cased name (`key`) and keep the name as given.
Attachments are kept on the principal (`AttachedPolicies`, a list of policy ARNs) and indexed, so
`AttachmentCount`, `ListEntitiesForPolicy` and `DeletePolicy`'s conflict check are index reads.
Access keys are GLOBAL records keyed by their id (ids are unique across AWS), so authentication
finds a key without knowing its account.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from nuvem.store import Scope, record


@record("iam.User", scope=Scope.ACCOUNT, key=("key",),
        indexes=("UserId", "Groups", "AttachedPolicies", "PermissionsBoundary"))
@dataclass
class User:
    account: str
    key: str
    UserName: str
    Path: str
    UserId: str
    CreateDate: datetime
    Groups: list[str] = field(default_factory=list)              # group keys
    AttachedPolicies: list[str] = field(default_factory=list)    # policy ARNs
    InlinePolicies: dict[str, str] = field(default_factory=dict)
    PermissionsBoundary: str | None = None
    PasswordHash: str | None = None                              # a login profile exists
    LoginProfileCreateDate: datetime | None = None
    PasswordResetRequired: bool = False
    PasswordLastUsed: datetime | None = None

    @property
    def arn(self) -> str:
        return f"arn:aws:iam::{self.account}:user{self.Path}{self.UserName}"


@record("iam.AccessKey", scope=Scope.GLOBAL, key=("AccessKeyId",), indexes=("owner",))
@dataclass
class AccessKey:
    AccessKeyId: str
    account: str
    user_key: str
    UserName: str
    SecretAccessKey: str
    Status: str
    CreateDate: datetime
    LastUsedDate: datetime | None = None
    LastUsedService: str | None = None
    LastUsedRegion: str | None = None

    @property
    def owner(self) -> tuple[str, str]:
        return (self.account, self.user_key)


@record("iam.Group", scope=Scope.ACCOUNT, key=("key",), indexes=("AttachedPolicies",))
@dataclass
class Group:
    account: str
    key: str
    GroupName: str
    Path: str
    GroupId: str
    CreateDate: datetime
    AttachedPolicies: list[str] = field(default_factory=list)
    InlinePolicies: dict[str, str] = field(default_factory=dict)

    @property
    def arn(self) -> str:
        return f"arn:aws:iam::{self.account}:group{self.Path}{self.GroupName}"


@record("iam.Role", scope=Scope.ACCOUNT, key=("key",),
        indexes=("RoleId", "AttachedPolicies", "PermissionsBoundary"))
@dataclass
class Role:
    account: str
    key: str
    RoleName: str
    Path: str
    RoleId: str
    CreateDate: datetime
    AssumeRolePolicyDocument: str
    MaxSessionDuration: int = 3600
    Description: str | None = None
    AttachedPolicies: list[str] = field(default_factory=list)
    InlinePolicies: dict[str, str] = field(default_factory=dict)
    PermissionsBoundary: str | None = None
    LastUsedDate: datetime | None = None
    LastUsedRegion: str | None = None
    ServiceLinked: bool = False

    @property
    def arn(self) -> str:
        return f"arn:aws:iam::{self.account}:role{self.Path}{self.RoleName}"


@dataclass
class PolicyVersion:
    VersionId: str
    Document: str
    CreateDate: datetime


@record("iam.Policy", scope=Scope.ACCOUNT, key=("key",))
@dataclass
class Policy:
    """A customer managed policy (AWS managed ones come from `nuvem/iam/data`)."""
    account: str
    key: str
    PolicyName: str
    Path: str
    PolicyId: str
    CreateDate: datetime
    UpdateDate: datetime
    DefaultVersionId: str
    Versions: list[PolicyVersion]
    NextVersion: int = 2
    Description: str | None = None

    @property
    def arn(self) -> str:
        return f"arn:aws:iam::{self.account}:policy{self.Path}{self.PolicyName}"

    def version(self, version_id: str) -> PolicyVersion | None:
        return next((v for v in self.Versions if v.VersionId == version_id), None)

    @property
    def document(self) -> str:
        return self.version(self.DefaultVersionId).Document


@record("iam.InstanceProfile", scope=Scope.ACCOUNT, key=("key",), indexes=("Roles",))
@dataclass
class InstanceProfile:
    account: str
    key: str
    InstanceProfileName: str
    Path: str
    InstanceProfileId: str
    CreateDate: datetime
    Roles: list[str] = field(default_factory=list)               # role keys

    @property
    def arn(self) -> str:
        return f"arn:aws:iam::{self.account}:instance-profile{self.Path}{self.InstanceProfileName}"


@record("iam.MFADevice", scope=Scope.ACCOUNT, key=("key",), indexes=("user_key",))
@dataclass
class MFADevice:
    """A virtual MFA device: its TOTP seed and, once enabled, its user."""
    account: str
    key: str
    Name: str
    Path: str
    Seed: str                                                    # base32
    user_key: str | None = None
    EnableDate: datetime | None = None
    LastStep: int = 0                                            # codes are single-use

    @property
    def arn(self) -> str:
        return f"arn:aws:iam::{self.account}:mfa{self.Path}{self.Name}"


@record("iam.AccountSettings", scope=Scope.ACCOUNT, key=())
@dataclass
class AccountSettings:
    account: str
    Alias: str | None = None
    PasswordPolicy: dict | None = None
    CredentialReport: bytes | None = None
    CredentialReportTime: datetime | None = None


@record("iam.OIDCProvider", scope=Scope.ACCOUNT, key=("Url",))
@dataclass
class OIDCProvider:
    """An OpenID Connect identity provider, keyed by its URL without the scheme."""
    account: str
    Url: str
    CreateDate: datetime
    ClientIDList: list[str] = field(default_factory=list)
    ThumbprintList: list[str] = field(default_factory=list)

    @property
    def arn(self) -> str:
        return f"arn:aws:iam::{self.account}:oidc-provider/{self.Url}"


@record("iam.SAMLProvider", scope=Scope.ACCOUNT, key=("Name",))
@dataclass
class SAMLProvider:
    account: str
    Name: str
    SAMLMetadataDocument: str
    SAMLProviderUUID: str
    CreateDate: datetime
    ValidUntil: datetime | None = None
    AssertionEncryptionMode: str = "Allowed"      # or Required

    @property
    def arn(self) -> str:
        return f"arn:aws:iam::{self.account}:saml-provider/{self.Name}"


@record("iam.SSHPublicKey", scope=Scope.ACCOUNT, key=("SSHPublicKeyId",), indexes=("user_key",))
@dataclass
class SSHPublicKey:
    account: str
    SSHPublicKeyId: str
    user_key: str
    UserName: str
    SSHPublicKeyBody: str
    Fingerprint: str
    Status: str
    UploadDate: datetime


@record("iam.ServerCertificate", scope=Scope.ACCOUNT, key=("key",))
@dataclass
class ServerCertificate:
    """An uploaded TLS certificate; the private key is kept for the load balancer engines and
    never answered by the API."""
    account: str
    key: str
    ServerCertificateName: str
    Path: str
    ServerCertificateId: str
    CertificateBody: str
    PrivateKey: str
    UploadDate: datetime
    Expiration: datetime
    CertificateChain: str | None = None

    @property
    def arn(self) -> str:
        return (f"arn:aws:iam::{self.account}:server-certificate"
                f"{self.Path}{self.ServerCertificateName}")


@record("iam.SigningCertificate", scope=Scope.ACCOUNT, key=("CertificateId",),
        indexes=("user_key",))
@dataclass
class SigningCertificate:
    account: str
    CertificateId: str
    user_key: str
    UserName: str
    CertificateBody: str
    Fingerprint: str
    Status: str
    UploadDate: datetime


@record("iam.ServiceSpecificCredential", scope=Scope.ACCOUNT,
        key=("ServiceSpecificCredentialId",), indexes=("user_key",))
@dataclass
class ServiceSpecificCredential:
    """A user name and password for one service (CodeCommit HTTPS Git, Keyspaces)."""
    account: str
    ServiceSpecificCredentialId: str
    user_key: str
    UserName: str
    ServiceName: str
    ServiceUserName: str
    ServicePassword: str
    Status: str
    CreateDate: datetime
