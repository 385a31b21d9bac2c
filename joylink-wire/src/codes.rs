//! The protocol's numeric codes: magic, packet type, encryption type, biz_code, response and
//! hardware error codes (spec 3.2, 3.5, 3.6, 3.7, chapter 10, and the two tables at the end).
//!
//! Every code except [`Magic`] has an `Unknown(n)` variant: decoding never fails on a value this
//! crate has no name for, and the value re-encodes unchanged. Codes are built with `From<n>` (or
//! `from_value`); `n` is an [`UnknownCode`], which nothing else can build, so `Unknown(n)` never
//! holds a named `n`.

use crate::error::{Error, Result};
use crate::macros::enum_with_unknown;

/// The number inside a code's `Unknown` variant: a value the crate has no name for.
///
/// Only the codes' `from_value`/`From<n>` build it, and only for a number without a name, so
/// `BizCode::Unknown` can never hold 1002 and compare unequal to `BizCode::Control` while meaning
/// the same thing on the wire. Read the number with [`UnknownCode::get`] (or the code's `value()`).
///
/// ```
/// use joylink_wire::BizCode;
///
/// assert_eq!(BizCode::from(1002), BizCode::Control);
/// let BizCode::Unknown(n) = BizCode::from(7) else { unreachable!() };
/// assert_eq!(n.get(), 7);
/// ```
///
/// An alias cannot be written by hand:
/// ```compile_fail
/// let _ = joylink_wire::BizCode::Unknown(joylink_wire::UnknownCode(1002));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnknownCode<T>(pub(crate) T);

impl<T: Copy> UnknownCode<T> {
    /// The number as it appears on the wire.
    #[must_use]
    pub fn get(self) -> T {
        self.0
    }
}

/// Prints the bare number, so `Unknown(7)` reads as it did when the variant held the number.
impl<T: core::fmt::Debug> core::fmt::Debug for UnknownCode<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.0.fmt(f)
    }
}

/// Magic of LAN (UDP) packets, `0x123455BB`; on the wire `BB 55 34 12` (spec 3.2, little-endian
/// as shipped, compat §1).
pub const MAGIC_LAN: u32 = 0x1234_55BB;
/// Magic of WAN (TCP, device ↔ cloud) packets, `0x123455CC`; on the wire `CC 55 34 12` (spec 3.2).
pub const MAGIC_WAN: u32 = 0x1234_55CC;

/// The header's `magic`: which network a packet belongs to (spec 3.2).
///
/// Only two values are valid; anything else is [`Error::BadMagic`], since a packet with another
/// magic is not a JoyLink V1.79 packet at all (the pre-2.0 `0x55AA` protocol, JoyLink 3.0's
/// `"JYLK"`, or garbage on a stream, compat §12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Magic {
    /// LAN, `0x123455BB`: APP ↔ device over UDP.
    Lan,
    /// WAN, `0x123455CC`: device ↔ cloud over TCP.
    Wan,
}

impl Magic {
    /// The 32-bit value (`MAGIC_LAN` or `MAGIC_WAN`).
    #[must_use]
    pub const fn value(self) -> u32 {
        match self {
            Magic::Lan => MAGIC_LAN,
            Magic::Wan => MAGIC_WAN,
        }
    }

    /// The four bytes as they appear on the wire (little-endian).
    #[must_use]
    pub const fn to_bytes(self) -> [u8; 4] {
        self.value().to_le_bytes()
    }

    /// Recognises a magic value.
    ///
    /// # Errors
    /// [`Error::BadMagic`] for any value other than the two magics.
    pub const fn from_value(n: u32) -> Result<Self> {
        match n {
            MAGIC_LAN => Ok(Magic::Lan),
            MAGIC_WAN => Ok(Magic::Wan),
            other => Err(Error::BadMagic(other)),
        }
    }
}

impl TryFrom<u32> for Magic {
    type Error = Error;
    fn try_from(n: u32) -> Result<Self> {
        Self::from_value(n)
    }
}

impl From<Magic> for u32 {
    fn from(m: Magic) -> u32 {
        m.value()
    }
}

impl core::fmt::Display for Magic {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Magic::Lan => write!(f, "lan (0x{MAGIC_LAN:08x})"),
            Magic::Wan => write!(f, "wan (0x{MAGIC_WAN:08x})"),
        }
    }
}

enum_with_unknown! {
    /// The header's `type` byte (spec 3.5), plus the types shipped SDKs also send (compat §12).
    ///
    /// 200 and 201 mean two things: on the WAN they are the spec's video push-address request and
    /// response (spec 7.3.25/7.3.26); on the LAN the SDK's agent gateway uses them for "add
    /// sub-device" and "delete sub-device" (`PT_AGENT_ADD_SUBDEV`, `PT_AGENT_DEL_SUBDEV`). The enum
    /// names them after the spec; [`PacketType::AGENT_ADD_SUBDEV`] and
    /// [`PacketType::AGENT_DEL_SUBDEV`] are the same values under the agent names. Decide by magic
    /// (LAN = agent, WAN = video). // compat §12
    #[doc(alias = "type")]
    pub enum PacketType(u8) {
        /// 1: discovery (搜索, spec 6.3.1), LAN, enctype 0.
        Scan = 1 => "scan",
        /// 2: write key / device authorisation (设备授权, spec 6.3.2), LAN, enctype 2 (reply 0).
        WriteKey = 2 => "write key",
        /// 3: JSON control (数据交互 JSON, spec "6.4.2"), LAN; the SDK replies with type 4
        /// (compat §6.4).
        JsonControl = 3 => "json control",
        /// 4: script control (数据交互 脚本, spec 6.3.4), LAN.
        ScriptControl = 4 => "script control",
        /// 7: OTA order (OTA 升级, spec 9.5), WAN.
        OtaOrder = 7 => "ota order",
        /// 8: OTA status report (OTA 升级状态主动上报, spec 9.6), WAN.
        OtaStatus = 8 => "ota status",
        /// 9: cloud authentication (云端设备认证, spec 7.3.1/7.3.2), WAN, enctype 3.
        Auth = 9 => "auth",
        /// 10: heartbeat (心跳, spec 7.3.3/7.3.4), WAN.
        Heartbeat = 10 => "heartbeat",
        /// 11: cloud control / snapshot / recipe (云端指令, spec 7.3.7–7.3.12), WAN.
        CloudControl = 11 => "cloud control",
        /// 12: data upload (数据上报, spec 7.3.5/7.3.6), WAN.
        Upload = 12 => "upload",
        /// 13: timer tasks (定时任务, spec chapter 10).
        Timer = 13 => "timer",
        /// 14: asynchronous control result (异步控制结果上报, spec chapter 12); no SDK code.
        AsyncResult = 14 => "async result",
        /// 15: device pulls information (设备主动拉取信息, spec 7.3.27/7.3.28); no SDK code.
        InfoFetch = 15 => "info fetch",
        /// 16: task (cloud recipe) report (任务上报, spec 7.3.13/7.3.14); no SDK code.
        TaskReport = 16 => "task report",
        /// 17: model code upload (`PT_MODEL_CODE`), SDK-only. // compat §12
        ModelCode = 17 => "model code",
        /// 18: SDK version report (`PT_SDK_VERSION`), SDK 2.1.22 only. // compat §12
        SdkVersion = 18 => "sdk version",
        /// 102: sub-device authorisation (子设备授权, spec 6.3.6), LAN.
        SubDevAuth = 102 => "sub-device auth",
        /// 103: sub-device JSON control (spec 6.3.7), LAN; the SDK replies with type 4.
        SubDevJsonControl = 103 => "sub-device json control",
        /// 104: sub-device script control (spec 6.3.8), LAN.
        SubDevScriptControl = 104 => "sub-device script control",
        /// 105: add sub-device (增加子设备, spec 6.3.5), LAN.
        AddSubDev = 105 => "add sub-device",
        /// 110: heartbeat carrying sub-devices (子设备心跳, spec 7.3.15/7.3.16), WAN.
        SubDevHeartbeat = 110 => "sub-device heartbeat",
        /// 111: sub-device cloud control (子设备云端指令, spec 7.3.19–7.3.22), WAN.
        SubDevControl = 111 => "sub-device control",
        /// 112: sub-device upload (子设备数据上报, spec 7.3.17/7.3.18), WAN.
        SubDevUpload = 112 => "sub-device upload",
        /// 113: sub-device unbind (子设备解绑, spec 7.3.23/7.3.24), WAN.
        SubDevUnbind = 113 => "sub-device unbind",
        /// 200: WAN: the cloud's video push-address request (spec 7.3.25). LAN: the agent
        /// gateway's `PT_AGENT_ADD_SUBDEV` ([`PacketType::AGENT_ADD_SUBDEV`]).
        /// // compat §12
        #[doc(alias = "PT_AGENT_ADD_SUBDEV")]
        VideoRequest = 200 => "video request / agent add sub-device",
        /// 201: WAN: the device's video push-address response (spec 7.3.26). LAN: the agent
        /// gateway's `PT_AGENT_DEL_SUBDEV` ([`PacketType::AGENT_DEL_SUBDEV`]).
        #[doc(alias = "PT_AGENT_DEL_SUBDEV")]
        VideoResponse = 201 => "video response / agent delete sub-device",
        /// 202: agent gateway device list (`PT_AGENT_GET_DEV_LIST`), LAN, SDK-only.
        AgentGetDevList = 202 => "agent get device list",
        /// 211: agent gateway authentication (`PT_AGENT_AUTH`), WAN, SDK-only.
        AgentAuth = 211 => "agent auth",
        /// 212: agent gateway heartbeat (`PT_AGENT_HB`), WAN, SDK-only.
        AgentHeartbeat = 212 => "agent heartbeat",
        /// 213: agent gateway upload (`PT_AGENT_UPLOAD`), WAN, SDK-only.
        AgentUpload = 213 => "agent upload",
        /// 220: agent gateway device control (`PT_AGENT_DEV_CTRL`), WAN, SDK-only.
        AgentDevControl = 220 => "agent device control",
    }
}

impl PacketType {
    /// 200 under its LAN agent-gateway name `PT_AGENT_ADD_SUBDEV` (same value as
    /// [`PacketType::VideoRequest`]). // compat §12
    pub const AGENT_ADD_SUBDEV: PacketType = PacketType::VideoRequest;
    /// 201 under its LAN agent-gateway name `PT_AGENT_DEL_SUBDEV` (same value as
    /// [`PacketType::VideoResponse`]). // compat §12
    pub const AGENT_DEL_SUBDEV: PacketType = PacketType::VideoResponse;
}

enum_with_unknown! {
    /// The header's `enctype` byte (spec 3.6, plus 4 from the SDK, compat §3.2).
    ///
    /// The header decodes whatever byte is present; only the crypto layer refuses a mode it cannot
    /// open (`Unknown`, and `Static`, which no SDK implements).
    #[doc(alias = "enctype")]
    pub enum EncType(u8) {
        /// 0: not encrypted (不加密): discovery, write-key and sub-auth replies.
        None = 0 => "none",
        /// 1: static AES key (静态 AES 密钥, spec 4.2). Never implemented by any SDK: the sender
        /// copies the plaintext and no receiver decrypts it. // compat §3.2
        Static = 1 => "static aes",
        /// 2: ECDH-negotiated key (ECDH 协商密钥, spec 4.3): LAN types 2 and 102 requests.
        Ecdh = 2 => "ecdh",
        /// 3: "dynamic" AES key (动态 AES 密钥, spec 4.4): the localkey on the LAN, the accesskey
        /// for WAN type 9.
        PreShared = 3 => "pre-shared key",
        /// 4: session key (`ET_SESSIONKEYAES`), missing from spec 3.6 but carried by every WAN
        /// packet after auth. // compat §3.2
        SessionKey = 4 => "session key",
    }
}

enum_with_unknown! {
    /// The `biz_code` of script-control payloads (spec 3.7, chapter 10; compat §10).
    ///
    /// Timer codes: the spec's two tables disagree (3.7 says 1902…1909, chapter 10 says
    /// 1092…1099 and 10100/10101 with replies 1100/1101) and the SDK uses 1090…1101 with replies
    /// 190…201. Devices send the SDK numbers, so those are the main variants and the ones this
    /// crate emits ([`BizCode::canonical`]); the spec-only numbers have their own `Spec*` variants
    /// so that `n → code → n` holds and they are accepted on input. The spec's replies 1100/1101
    /// to 10100/10101 collide with the SDK's *requests* 1100/1101 and decode as those.
    #[doc(alias = "biz_code")]
    pub enum BizCode(u32) {
        /// 0: "unknown" (未知, spec 3.7).
        Unspecified = 0 => "unspecified",
        /// 1002: control request (控制请求).
        Control = 1002 => "control",
        /// 102: control response (控制响应).
        ControlResponse = 102 => "control response",
        /// 1004: snapshot request (获取设备快照请求).
        Snapshot = 1004 => "snapshot",
        /// 104: snapshot response (获取设备快照响应).
        SnapshotResponse = 104 => "snapshot response",
        /// 1050: task / cloud recipe (任务（云菜谱）下发).
        Recipe = 1050 => "recipe",
        /// 150: recipe response (spec and SDK 2.1.22; SDK ≤ 2.0.19 E17 answered 105).
        RecipeResponse = 150 => "recipe response",
        /// 1060: sub-device unbind request (子设备解绑请求).
        Unbind = 1060 => "unbind",
        /// 160: sub-device unbind response.
        UnbindResponse = 160 => "unbind response",
        /// 1090: does the device support timers (spec 10.1).
        TimerSupport = 1090 => "timer support",
        /// 190: timer support response.
        TimerSupportResponse = 190 => "timer support response",
        /// 1091: add timer task (spec 10.2).
        TimerAdd = 1091 => "timer add",
        /// 191: add timer response.
        TimerAddResponse = 191 => "timer add response",
        /// 1092: update timer task (spec 10.4).
        TimerUpdate = 1092 => "timer update",
        /// 192: update timer response.
        TimerUpdateResponse = 192 => "timer update response",
        /// 1093: delete timer task (spec 10.3).
        TimerDelete = 1093 => "timer delete",
        /// 193: delete timer response.
        TimerDeleteResponse = 193 => "timer delete response",
        /// 1094: query timer tasks (spec 10.5).
        TimerQuery = 1094 => "timer query",
        /// 194: query timer response.
        TimerQueryResponse = 194 => "timer query response",
        /// 1095: stop timer task (spec 10.6).
        TimerStop = 1095 => "timer stop",
        /// 195: stop timer response.
        TimerStopResponse = 195 => "timer stop response",
        /// 1096: restart timer task (spec 10.7).
        TimerRestart = 1096 => "timer restart",
        /// 196: restart timer response.
        TimerRestartResponse = 196 => "timer restart response",
        /// 1097: device reports an execution result (spec 10.8).
        TimerReportResult = 1097 => "timer report result",
        /// 197: report-result response.
        TimerReportResultResponse = 197 => "timer report result response",
        /// 1098: device reports an added task (spec 10.9).
        TimerReportAdd = 1098 => "timer report add",
        /// 198: report-add response.
        TimerReportAddResponse = 198 => "timer report add response",
        /// 1099: device reports a deleted task (spec 10.10).
        TimerReportDelete = 1099 => "timer report delete",
        /// 199: report-delete response.
        TimerReportDeleteResponse = 199 => "timer report delete response",
        /// 1100: device reports an updated task, as the SDK sends it (`E_TIMETASK_BIZCODE`);
        /// spec 10.11 says 10100. // compat §10
        TimerReportUpdate = 1100 => "timer report update",
        /// 200: report-update response (SDK).
        TimerReportUpdateResponse = 200 => "timer report update response",
        /// 1101: device reports its task snapshot, as the SDK sends it; spec 10.12 says 10101.
        /// // compat §10
        TimerReportSnapshot = 1101 => "timer report snapshot",
        /// 201: report-snapshot response (SDK).
        TimerReportSnapshotResponse = 201 => "timer report snapshot response",
        /// 1902: spec 3.7's number for "update timer"; alias of [`BizCode::TimerUpdate`].
        SpecTimerUpdate = 1902 => "timer update (spec 3.7 alias)",
        /// 1903: spec 3.7's "delete timer"; alias of [`BizCode::TimerDelete`].
        SpecTimerDelete = 1903 => "timer delete (spec 3.7 alias)",
        /// 1904: spec 3.7's "query timers"; alias of [`BizCode::TimerQuery`].
        SpecTimerQuery = 1904 => "timer query (spec 3.7 alias)",
        /// 1905: spec 3.7's "stop timer"; alias of [`BizCode::TimerStop`].
        SpecTimerStop = 1905 => "timer stop (spec 3.7 alias)",
        /// 1906: spec 3.7's "restart timer"; alias of [`BizCode::TimerRestart`].
        SpecTimerRestart = 1906 => "timer restart (spec 3.7 alias)",
        /// 1907: spec 3.7's "report result"; alias of [`BizCode::TimerReportResult`].
        SpecTimerReportResult = 1907 => "timer report result (spec 3.7 alias)",
        /// 1908: spec 3.7's "report added task"; alias of [`BizCode::TimerReportAdd`].
        SpecTimerReportAdd = 1908 => "timer report add (spec 3.7 alias)",
        /// 1909: spec 3.7's "report deleted task"; alias of [`BizCode::TimerReportDelete`].
        SpecTimerReportDelete = 1909 => "timer report delete (spec 3.7 alias)",
        /// 10100: spec 10.11's "report updated task"; alias of [`BizCode::TimerReportUpdate`].
        SpecTimerReportUpdate = 10100 => "timer report update (spec 10.11 alias)",
        /// 10101: spec 10.12's "report snapshot"; alias of [`BizCode::TimerReportSnapshot`].
        SpecTimerReportSnapshot = 10101 => "timer report snapshot (spec 10.12 alias)",
    }
}

impl BizCode {
    /// Maps a spec-only alias (1902…1909, 10100, 10101) to the code devices send (1092…1099,
    /// 1100, 1101); every other code is returned unchanged. // compat §10
    #[must_use]
    pub const fn canonical(self) -> BizCode {
        match self {
            BizCode::SpecTimerUpdate => BizCode::TimerUpdate,
            BizCode::SpecTimerDelete => BizCode::TimerDelete,
            BizCode::SpecTimerQuery => BizCode::TimerQuery,
            BizCode::SpecTimerStop => BizCode::TimerStop,
            BizCode::SpecTimerRestart => BizCode::TimerRestart,
            BizCode::SpecTimerReportResult => BizCode::TimerReportResult,
            BizCode::SpecTimerReportAdd => BizCode::TimerReportAdd,
            BizCode::SpecTimerReportDelete => BizCode::TimerReportDelete,
            BizCode::SpecTimerReportUpdate => BizCode::TimerReportUpdate,
            BizCode::SpecTimerReportSnapshot => BizCode::TimerReportSnapshot,
            other => other,
        }
    }

    /// The biz_code of the reply to this request, as SDK 2.1.22 computes it
    /// (`joylink_packet_script_ctrl_rsp`, compat §10): with `q = n / 100`, `q == 10` gives
    /// `n % 100 + 100`, `q == 19` gives `n - 1710`, anything else is echoed. So 1002→102,
    /// 1004→104, 1050→150, 1060→160, 1090…1099→190…199 and 1902…1909→192…199.
    ///
    /// The SDK's own reports 1100/1101 (and their spec aliases 10100/10101) get the replies
    /// 200/201 of the SDK's `E_TIMETASK_BIZCODE` table (the formula would echo them; spec 10 says
    /// 1100/1101, which collide with the requests). A response code maps to itself.
    #[must_use]
    pub const fn response(self) -> BizCode {
        match self.canonical() {
            BizCode::TimerReportUpdate => BizCode::TimerReportUpdateResponse,
            BizCode::TimerReportSnapshot => BizCode::TimerReportSnapshotResponse,
            _ => {
                let n = self.value();
                let mapped = match n / 100 {
                    // n % 100 < 100, so the sum cannot overflow.
                    10 => (n % 100).wrapping_add(100),
                    // q == 19 means n >= 1900, so the subtraction cannot underflow.
                    19 => n.wrapping_sub(1710),
                    _ => n,
                };
                BizCode::from_value(mapped)
            }
        }
    }

    /// `true` for the timer codes of chapter 10 (requests, responses and the spec aliases).
    #[must_use]
    pub const fn is_timer(self) -> bool {
        matches!(self.canonical().value(), 1090..=1101 | 190..=201)
    }

    /// `true` for the named response codes (102, 104, 150, 160, 190…201). `Unknown` codes are
    /// never classified.
    #[must_use]
    pub const fn is_response(self) -> bool {
        matches!(
            self,
            BizCode::ControlResponse
                | BizCode::SnapshotResponse
                | BizCode::RecipeResponse
                | BizCode::UnbindResponse
                | BizCode::TimerSupportResponse
                | BizCode::TimerAddResponse
                | BizCode::TimerUpdateResponse
                | BizCode::TimerDeleteResponse
                | BizCode::TimerQueryResponse
                | BizCode::TimerStopResponse
                | BizCode::TimerRestartResponse
                | BizCode::TimerReportResultResponse
                | BizCode::TimerReportAddResponse
                | BizCode::TimerReportDeleteResponse
                | BizCode::TimerReportUpdateResponse
                | BizCode::TimerReportSnapshotResponse
        )
    }
}

enum_with_unknown! {
    /// Response `code` values (spec, table "响应（Code）码定义"), plus the SDK's -2001
    /// (compat §11). No SDK has them as an enum; they appear as JSON `code` numbers.
    ///
    /// The video `result` of spec 7.3.26 reuses some numbers with other meanings: keep it apart.
    pub enum ResponseCode(i32) {
        /// -4: not supported (不支持).
        NotSupported = -4 => "not supported",
        /// -3: device offline (设备不在线).
        DeviceOffline = -3 => "device offline",
        /// -2: no authentication information (无认证信息).
        NoAuthInfo = -2 => "no auth info",
        /// -1: authentication failed (认证失败); the SDK's generic failure.
        AuthFailed = -1 => "auth failed",
        /// 0: success (成功).
        Success = 0 => "success",
        /// 1: cannot connect to the server (连接不上服务器).
        ServerUnreachable = 1 => "server unreachable",
        /// 2: the device refused access (设备拒绝访问).
        AccessDenied = 2 => "access denied",
        /// 3: timer operation failed (定时操作失败).
        TimerFailed = 3 => "timer operation failed",
        /// 4: error changing a device attribute (修改设备属性错误).
        AttributeError = 4 => "attribute error",
        /// 5: device authorisation failed (设备授权失败).
        AuthorizationFailed = 5 => "authorization failed",
        /// 6: firmware upgrade failed (固件升级失败).
        FirmwareUpgradeFailed = 6 => "firmware upgrade failed",
        /// 7: data upload failed (数据上报失败).
        UploadFailed = 7 => "upload failed",
        /// 8: linkage operation failed (联动操作失败).
        LinkageFailed = 8 => "linkage failed",
        /// 9: sub-device operation failed (子设备操作失败).
        SubDevFailed = 9 => "sub-device operation failed",
        /// 10: main controller timed out (主控超时).
        McuTimeout = 10 => "mcu timeout",
        /// 11: main controller lost connection (主控失去连接).
        McuDisconnected = 11 => "mcu disconnected",
        /// 12: script verification error (脚本校验错误).
        ScriptVerifyError = 12 => "script verify error",
        /// 13: memory error (内存错误).
        MemoryError = 13 => "memory error",
        /// 14: script execution error (脚本执行错误).
        ScriptExecError = 14 => "script execution error",
        /// 15: insufficient permission (权限不足).
        PermissionDenied = 15 => "permission denied",
        /// 16: already bound, contact the administrator (已被绑定，请联系管理员).
        AlreadyBound = 16 => "already bound",
        /// 17: limit reached (已达上限).
        LimitReached = 17 => "limit reached",
        /// 18: version incompatible (版本不兼容).
        VersionIncompatible = 18 => "version incompatible",
        /// 19: sub-device does not exist (子设备不存在).
        SubDevNotFound = 19 => "sub-device not found",
        /// 20: sub-device offline (子设备离线).
        SubDevOffline = 20 => "sub-device offline",
        /// 21: sub-device does not respond (子设备无响应).
        SubDevNoResponse = 21 => "sub-device no response",
        /// 22: downloading (正在下载).
        Downloading = 22 => "downloading",
        /// 23: file corrupted (文件损坏).
        FileCorrupted = 23 => "file corrupted",
        /// 24: write failed (写入失败).
        WriteFailed = 24 => "write failed",
        /// 100: unsupported operation (不支持的操作).
        UnsupportedOperation = 100 => "unsupported operation",
        /// -2001: write key refused because the device is already activated
        /// (`E_RET_ERROR_DEV_ACTIVED`, SDK 2.0.7+). // compat §11
        DeviceAlreadyActivated = -2001 => "device already activated",
    }
}

enum_with_unknown! {
    /// Error codes a main board returns to the JoyLink module in split designs (spec, table
    /// "硬件的错误码"). An MCU-UART convention; no SDK code uses it (compat §11).
    pub enum HardwareError(u8) {
        /// 0: success (成功).
        Ok = 0 => "ok",
        /// 1: bad parameter (参数错误).
        BadParam = 1 => "bad parameter",
        /// 2: the device refused access (设备拒绝访问).
        Refused = 2 => "refused",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    #[test]
    fn magic_values_and_bytes() {
        assert_eq!(Magic::Lan.to_bytes(), [0xBB, 0x55, 0x34, 0x12]);
        assert_eq!(Magic::Wan.to_bytes(), [0xCC, 0x55, 0x34, 0x12]);
        assert_eq!(Magic::try_from(0x1234_55BB), Ok(Magic::Lan));
        assert_eq!(Magic::try_from(0x1234_55CC), Ok(Magic::Wan));
        assert_eq!(
            Magic::try_from(0x1234_55AA),
            Err(Error::BadMagic(0x1234_55AA))
        );
        assert_eq!(Magic::Wan.to_string(), "wan (0x123455cc)");
    }

    #[test]
    fn packet_type_round_trip_all_bytes() {
        for n in 0..=u8::MAX {
            let t = PacketType::from(n);
            assert_eq!(u8::from(t), n);
            if let PacketType::Unknown(m) = t {
                assert!(!PacketType::ALL.iter().any(|k| k.value() == m.get()));
            }
        }
        assert_eq!(PacketType::ALL.len(), 31);
        assert_eq!(PacketType::from(9), PacketType::Auth);
        assert_eq!(PacketType::from(200), PacketType::AGENT_ADD_SUBDEV);
        assert_eq!(PacketType::from(9).to_string(), "auth (9)");
        assert_eq!(PacketType::from(99).to_string(), "unknown (99)");
    }

    #[test]
    fn enc_type_round_trip_all_bytes() {
        for n in 0..=u8::MAX {
            assert_eq!(u8::from(EncType::from(n)), n);
        }
        assert_eq!(EncType::from(4), EncType::SessionKey);
        assert_eq!(EncType::from(5), EncType::Unknown(UnknownCode(5)));
    }

    #[test]
    fn biz_code_response_mapping() {
        use BizCode::*;
        let cases = [
            (Control, ControlResponse),
            (Snapshot, SnapshotResponse),
            (Recipe, RecipeResponse),
            (Unbind, UnbindResponse),
            (TimerSupport, TimerSupportResponse),
            (TimerAdd, TimerAddResponse),
            (TimerUpdate, TimerUpdateResponse),
            (TimerDelete, TimerDeleteResponse),
            (TimerQuery, TimerQueryResponse),
            (TimerStop, TimerStopResponse),
            (TimerRestart, TimerRestartResponse),
            (TimerReportResult, TimerReportResultResponse),
            (TimerReportAdd, TimerReportAddResponse),
            (TimerReportDelete, TimerReportDeleteResponse),
            (TimerReportUpdate, TimerReportUpdateResponse),
            (TimerReportSnapshot, TimerReportSnapshotResponse),
            (SpecTimerUpdate, TimerUpdateResponse),
            (SpecTimerDelete, TimerDeleteResponse),
            (SpecTimerQuery, TimerQueryResponse),
            (SpecTimerStop, TimerStopResponse),
            (SpecTimerRestart, TimerRestartResponse),
            (SpecTimerReportResult, TimerReportResultResponse),
            (SpecTimerReportAdd, TimerReportAddResponse),
            (SpecTimerReportDelete, TimerReportDeleteResponse),
            (SpecTimerReportUpdate, TimerReportUpdateResponse),
            (SpecTimerReportSnapshot, TimerReportSnapshotResponse),
            (ControlResponse, ControlResponse),
            (BizCode::from(1010), BizCode::from(110)),
            (BizCode::from(1901), TimerAddResponse),
            (BizCode::from(7), BizCode::from(7)),
            (BizCode::from(u32::MAX), BizCode::from(u32::MAX)),
        ];
        for (req, rsp) in cases {
            assert_eq!(req.response(), rsp, "{req}");
        }
    }

    #[test]
    fn biz_code_canonical_and_classes() {
        assert_eq!(BizCode::from(1902).canonical(), BizCode::TimerUpdate);
        assert_eq!(
            BizCode::from(10101).canonical(),
            BizCode::TimerReportSnapshot
        );
        assert_eq!(BizCode::Control.canonical(), BizCode::Control);
        assert!(BizCode::from(10100).is_timer());
        assert!(BizCode::from(201).is_timer());
        assert!(!BizCode::Control.is_timer());
        assert!(BizCode::from(104).is_response());
        assert!(!BizCode::from(1004).is_response());
        assert!(!BizCode::from(5).is_response());
        assert!(matches!(BizCode::from(5), BizCode::Unknown(n) if n.get() == 5));
        for code in BizCode::ALL {
            assert_eq!(BizCode::from(code.value()), *code);
            assert!(code.canonical().value() < 10000, "{code}");
        }
    }

    #[test]
    fn response_code_values() {
        assert_eq!(
            ResponseCode::from(-2001),
            ResponseCode::DeviceAlreadyActivated
        );
        assert_eq!(ResponseCode::from(-4), ResponseCode::NotSupported);
        assert_eq!(ResponseCode::from(100), ResponseCode::UnsupportedOperation);
        assert_eq!(
            ResponseCode::from(25),
            ResponseCode::Unknown(UnknownCode(25))
        );
        for n in -4..=24 {
            assert!(
                !matches!(ResponseCode::from(n), ResponseCode::Unknown(_)),
                "{n}"
            );
        }
        assert_eq!(ResponseCode::ALL.len(), 31);
        assert_eq!(ResponseCode::from(-1).to_string(), "auth failed (-1)");
    }

    #[test]
    fn hardware_error_round_trip_all_bytes() {
        for n in 0..=u8::MAX {
            assert_eq!(u8::from(HardwareError::from(n)), n);
        }
        assert_eq!(HardwareError::from(2), HardwareError::Refused);
    }
}
