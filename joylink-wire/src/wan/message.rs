//! The single WAN entry point: (packet type, plaintext, direction) → typed message.

use super::{
    AsyncResult, AuthRequest, AuthResponse, CodeResponse, Control, Heartbeat, InfoFetch,
    SubDevControl, SubDevHeartbeat, SubDevUnbind, SubDevUpload, SubDevUploadResponse, TaskReport,
    TaskReportResponse, TimerMessage, Timestamped,
};
use crate::{Direction, PacketType, Result};

/// A decoded WAN body (spec chapter 7, 9.5/9.6, 12), borrowing the caller's plaintext.
///
/// Built by [`WanMessage::parse`] from an opened packet's type, its plaintext and who sent it;
/// [`WanMessage::emit`] writes the plaintext back byte for byte, except the padding of the SDK's
/// fixed-size timer replies (zeros after a 194, uninitialised ids after a 193/195/196, see
/// [`TimerMessage`]), which is not kept. Types 9 carries its opt
/// outside the plaintext: see [`AuthRequestOpt`](super::AuthRequestOpt) and
/// [`AuthResponseOpt`](super::AuthResponseOpt).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WanMessage<'a> {
    /// Type 9, device → cloud (spec 7.3.1).
    AuthRequest(AuthRequest),
    /// Type 9, cloud → device (spec 7.3.2).
    AuthResponse(AuthResponse),
    /// Type 10, device → cloud (spec 7.3.3).
    Heartbeat(Heartbeat),
    /// Type 10, cloud → device (spec 7.3.4).
    HeartbeatResponse(CodeResponse),
    /// Type 12, device → cloud (spec 7.3.5).
    Upload(Timestamped<&'a [u8]>),
    /// Type 12, cloud → device (spec 7.3.6).
    UploadResponse(CodeResponse),
    /// Type 11, cloud → device: control, snapshot or recipe by biz_code (spec 7.3.7/9/11).
    Control(Control<'a>),
    /// Type 11, device → cloud: the answer (spec 7.3.8/10/12).
    ControlResponse(Control<'a>),
    /// Type 13, either way: timer tasks by biz_code (spec chapter 10); the direction tells the
    /// spec's colliding numbers apart and [`TimerMessage::direction`] gives it back.
    Timer(TimerMessage<'a>),
    /// Type 14, device → cloud (spec 12).
    AsyncResult(AsyncResult<'a>),
    /// Type 15, device → cloud (spec 7.3.27).
    InfoFetchRequest(InfoFetch<'a>),
    /// Type 15, cloud → device (spec 7.3.28).
    InfoFetchResponse(InfoFetch<'a>),
    /// Type 16, device → cloud (spec 7.3.13).
    TaskReport(TaskReport<'a>),
    /// Type 16, cloud → device (spec 7.3.14).
    TaskReportResponse(TaskReportResponse),
    /// Type 7, cloud → device: `ts ‖` OTA order JSON (spec 9.5).
    OtaOrder(Timestamped<&'a [u8]>),
    /// Type 7, device → cloud: `ts ‖` acknowledgement JSON (spec 9.5).
    OtaOrderResponse(Timestamped<&'a [u8]>),
    /// Type 8, device → cloud: `ts ‖` `otastat` JSON (spec 9.6).
    OtaStatus(Timestamped<&'a [u8]>),
    /// Type 8, cloud → device: `ts ‖` answer JSON (spec 9.6).
    OtaStatusResponse(Timestamped<&'a [u8]>),
    /// Type 110, device → cloud (spec 7.3.15).
    SubDevHeartbeat(SubDevHeartbeat<'a>),
    /// Type 110, cloud → device (spec 7.3.16).
    SubDevHeartbeatResponse(CodeResponse),
    /// Type 111, cloud → device (spec 7.3.19/21).
    SubDevControl(SubDevControl<'a>),
    /// Type 111, device → cloud (spec 7.3.20/22).
    SubDevControlResponse(SubDevControl<'a>),
    /// Type 112, device → cloud (spec 7.3.17).
    SubDevUpload(SubDevUpload<'a>),
    /// Type 112, cloud → device (spec 7.3.18).
    SubDevUploadResponse(SubDevUploadResponse<'a>),
    /// Type 113, cloud → device (spec 7.3.23).
    SubDevUnbind(SubDevUnbind<'a>),
    /// Type 113, device → cloud (spec 7.3.24).
    SubDevUnbindResponse(SubDevUnbind<'a>),
    /// Type 200, cloud → device: video command in a type 11 envelope (spec 7.3.25).
    VideoRequest(Control<'a>),
    /// Type 201, device → cloud: video response in a type 11 envelope (spec 7.3.26).
    VideoResponse(Control<'a>),
    /// Anything else: SDK-only types (17 model code, 18 SDK version, the agent types), unknown
    /// types, and type/direction pairs the spec does not define (14, 200 and 201 the other way).
    Other {
        /// The header's type.
        packet_type: PacketType,
        /// Who sent it.
        direction: Direction,
        /// The whole plaintext.
        plaintext: &'a [u8],
    },
}

impl<'a> WanMessage<'a> {
    /// Decodes the plaintext of an opened WAN packet.
    ///
    /// # Errors
    /// The body's own errors ([`Error::Truncated`](crate::Error::Truncated),
    /// [`Error::TrailingData`](crate::Error::TrailingData), …); never panics.
    pub fn parse(
        packet_type: PacketType,
        plaintext: &'a [u8],
        direction: Direction,
    ) -> Result<Self> {
        use Direction::{FromDevice as Up, ToDevice as Down};
        use PacketType as T;
        Ok(match (packet_type, direction) {
            (T::Auth, Up) => Self::AuthRequest(AuthRequest::parse(plaintext)?),
            (T::Auth, Down) => Self::AuthResponse(AuthResponse::parse(plaintext)?),
            (T::Heartbeat, Up) => Self::Heartbeat(Heartbeat::parse(plaintext)?),
            (T::Heartbeat, Down) => Self::HeartbeatResponse(CodeResponse::parse(plaintext)?),
            (T::Upload, Up) => Self::Upload(Timestamped::parse(plaintext)?),
            (T::Upload, Down) => Self::UploadResponse(CodeResponse::parse(plaintext)?),
            (T::CloudControl, Down) => Self::Control(Control::parse(plaintext)?),
            (T::CloudControl, Up) => Self::ControlResponse(Control::parse(plaintext)?),
            (T::Timer, _) => Self::Timer(TimerMessage::parse(plaintext, direction)?),
            (T::AsyncResult, Up) => Self::AsyncResult(AsyncResult::parse(plaintext)?),
            (T::InfoFetch, Up) => Self::InfoFetchRequest(InfoFetch::parse(plaintext)?),
            (T::InfoFetch, Down) => Self::InfoFetchResponse(InfoFetch::parse(plaintext)?),
            (T::TaskReport, Up) => Self::TaskReport(TaskReport::parse(plaintext)?),
            (T::TaskReport, Down) => {
                Self::TaskReportResponse(TaskReportResponse::parse(plaintext)?)
            }
            (T::OtaOrder, Down) => Self::OtaOrder(Timestamped::parse(plaintext)?),
            (T::OtaOrder, Up) => Self::OtaOrderResponse(Timestamped::parse(plaintext)?),
            (T::OtaStatus, Up) => Self::OtaStatus(Timestamped::parse(plaintext)?),
            (T::OtaStatus, Down) => Self::OtaStatusResponse(Timestamped::parse(plaintext)?),
            (T::SubDevHeartbeat, Up) => Self::SubDevHeartbeat(SubDevHeartbeat::parse(plaintext)?),
            (T::SubDevHeartbeat, Down) => {
                Self::SubDevHeartbeatResponse(CodeResponse::parse(plaintext)?)
            }
            (T::SubDevControl, Down) => Self::SubDevControl(SubDevControl::parse(plaintext)?),
            (T::SubDevControl, Up) => Self::SubDevControlResponse(SubDevControl::parse(plaintext)?),
            (T::SubDevUpload, Up) => Self::SubDevUpload(SubDevUpload::parse(plaintext)?),
            (T::SubDevUpload, Down) => {
                Self::SubDevUploadResponse(SubDevUploadResponse::parse(plaintext)?)
            }
            (T::SubDevUnbind, Down) => Self::SubDevUnbind(SubDevUnbind::parse(plaintext)?),
            (T::SubDevUnbind, Up) => Self::SubDevUnbindResponse(SubDevUnbind::parse(plaintext)?),
            (T::VideoRequest, Down) => Self::VideoRequest(Control::parse(plaintext)?),
            (T::VideoResponse, Up) => Self::VideoResponse(Control::parse(plaintext)?),
            (packet_type, direction) => Self::Other {
                packet_type,
                direction,
                plaintext,
            },
        })
    }

    /// The header type this message travels in.
    #[must_use]
    pub fn packet_type(&self) -> PacketType {
        use PacketType as T;
        match self {
            Self::AuthRequest(_) | Self::AuthResponse(_) => T::Auth,
            Self::Heartbeat(_) | Self::HeartbeatResponse(_) => T::Heartbeat,
            Self::Upload(_) | Self::UploadResponse(_) => T::Upload,
            Self::Control(_) | Self::ControlResponse(_) => T::CloudControl,
            Self::Timer(_) => T::Timer,
            Self::AsyncResult(_) => T::AsyncResult,
            Self::InfoFetchRequest(_) | Self::InfoFetchResponse(_) => T::InfoFetch,
            Self::TaskReport(_) | Self::TaskReportResponse(_) => T::TaskReport,
            Self::OtaOrder(_) | Self::OtaOrderResponse(_) => T::OtaOrder,
            Self::OtaStatus(_) | Self::OtaStatusResponse(_) => T::OtaStatus,
            Self::SubDevHeartbeat(_) | Self::SubDevHeartbeatResponse(_) => T::SubDevHeartbeat,
            Self::SubDevControl(_) | Self::SubDevControlResponse(_) => T::SubDevControl,
            Self::SubDevUpload(_) | Self::SubDevUploadResponse(_) => T::SubDevUpload,
            Self::SubDevUnbind(_) | Self::SubDevUnbindResponse(_) => T::SubDevUnbind,
            Self::VideoRequest(_) => T::VideoRequest,
            Self::VideoResponse(_) => T::VideoResponse,
            Self::Other { packet_type, .. } => *packet_type,
        }
    }

    /// Who sends this message.
    #[must_use]
    pub fn direction(&self) -> Direction {
        match self {
            Self::Timer(m) => m.direction(),
            Self::AuthResponse(_)
            | Self::HeartbeatResponse(_)
            | Self::UploadResponse(_)
            | Self::Control(_)
            | Self::InfoFetchResponse(_)
            | Self::TaskReportResponse(_)
            | Self::OtaOrder(_)
            | Self::OtaStatusResponse(_)
            | Self::SubDevHeartbeatResponse(_)
            | Self::SubDevControl(_)
            | Self::SubDevUploadResponse(_)
            | Self::SubDevUnbind(_)
            | Self::VideoRequest(_) => Direction::ToDevice,
            Self::Other { direction, .. } => *direction,
            _ => Direction::FromDevice,
        }
    }

    /// Bytes [`WanMessage::emit`] writes.
    ///
    /// # Errors
    /// A timer message the encoder refuses (see [`TimerMessage::buffer_len`]); every other body
    /// has a length.
    pub fn buffer_len(&self) -> Result<usize> {
        Ok(match self {
            Self::AuthRequest(m) => m.buffer_len(),
            Self::AuthResponse(m) => m.buffer_len(),
            Self::Heartbeat(m) => m.buffer_len(),
            Self::HeartbeatResponse(m)
            | Self::UploadResponse(m)
            | Self::SubDevHeartbeatResponse(m) => m.buffer_len(),
            Self::Upload(m)
            | Self::OtaOrder(m)
            | Self::OtaOrderResponse(m)
            | Self::OtaStatus(m)
            | Self::OtaStatusResponse(m) => m.buffer_len(),
            Self::Control(m)
            | Self::ControlResponse(m)
            | Self::VideoRequest(m)
            | Self::VideoResponse(m) => m.buffer_len(),
            Self::Timer(m) => return m.buffer_len(),
            Self::AsyncResult(m) => m.buffer_len(),
            Self::InfoFetchRequest(m) | Self::InfoFetchResponse(m) => m.buffer_len(),
            Self::TaskReport(m) => m.buffer_len(),
            Self::TaskReportResponse(m) => m.buffer_len(),
            Self::SubDevHeartbeat(m) => m.buffer_len(),
            Self::SubDevControl(m) | Self::SubDevControlResponse(m) => m.buffer_len(),
            Self::SubDevUpload(m) => m.buffer_len(),
            Self::SubDevUploadResponse(m) => m.buffer_len(),
            Self::SubDevUnbind(m) | Self::SubDevUnbindResponse(m) => m.buffer_len(),
            Self::Other { plaintext, .. } => plaintext.len(),
        })
    }

    /// Writes the plaintext; returns its length.
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`](crate::Error::BufferTooSmall) and the body's own encoding errors
    /// (nothing written).
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        match self {
            Self::AuthRequest(m) => m.emit(buf),
            Self::AuthResponse(m) => m.emit(buf),
            Self::Heartbeat(m) => m.emit(buf),
            Self::HeartbeatResponse(m)
            | Self::UploadResponse(m)
            | Self::SubDevHeartbeatResponse(m) => m.emit(buf),
            Self::Upload(m)
            | Self::OtaOrder(m)
            | Self::OtaOrderResponse(m)
            | Self::OtaStatus(m)
            | Self::OtaStatusResponse(m) => m.emit(buf),
            Self::Control(m)
            | Self::ControlResponse(m)
            | Self::VideoRequest(m)
            | Self::VideoResponse(m) => m.emit(buf),
            Self::AsyncResult(m) => m.emit(buf),
            Self::InfoFetchRequest(m) | Self::InfoFetchResponse(m) => m.emit(buf),
            Self::TaskReport(m) => m.emit(buf),
            Self::TaskReportResponse(m) => m.emit(buf),
            Self::SubDevHeartbeat(m) => m.emit(buf),
            Self::SubDevControl(m) | Self::SubDevControlResponse(m) => m.emit(buf),
            Self::SubDevUpload(m) => m.emit(buf),
            Self::SubDevUploadResponse(m) => m.emit(buf),
            Self::SubDevUnbind(m) | Self::SubDevUnbindResponse(m) => m.emit(buf),
            Self::Timer(m) => m.emit(buf),
            Self::Other { plaintext: b, .. } => {
                let out = super::room(b.len(), buf)?;
                out.copy_from_slice(b);
                Ok(b.len())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{BizCode, Error};

    #[test]
    fn direction_picks_the_body() {
        let hb = [1, 0, 0, 0, 8, 0, 1, 0];
        assert_eq!(
            WanMessage::parse(PacketType::Heartbeat, &hb, Direction::FromDevice),
            Ok(WanMessage::Heartbeat(Heartbeat {
                timestamp: 1,
                version: 8,
                rssi: 1
            }))
        );
        let m = WanMessage::parse(PacketType::Heartbeat, &hb, Direction::ToDevice).unwrap();
        assert!(matches!(m, WanMessage::HeartbeatResponse(_)));
        assert_eq!(m.direction(), Direction::ToDevice);
        let ctl = [1, 0, 0, 0, 0xea, 3, 0, 0, 1, 0, 0, 0];
        let m = WanMessage::parse(PacketType::CloudControl, &ctl, Direction::ToDevice).unwrap();
        assert!(matches!(
            m,
            WanMessage::Control(Control {
                biz_code: BizCode::Control,
                ..
            })
        ));
        let m = WanMessage::parse(PacketType::ModelCode, &ctl, Direction::FromDevice).unwrap();
        assert!(matches!(
            m,
            WanMessage::Other {
                packet_type: PacketType::ModelCode,
                ..
            }
        ));
        // Type 13 is typed, and its direction comes from the biz_code (1090 is a request).
        let query = [1, 0, 0, 0, 0x42, 4, 0, 0, 1, 0, 0, 0];
        let m = WanMessage::parse(PacketType::Timer, &query, Direction::ToDevice).unwrap();
        assert!(matches!(
            m,
            WanMessage::Timer(crate::wan::timer::TimerMessage::SupportQuery(_))
        ));
        assert_eq!(m.direction(), Direction::ToDevice);
        assert_eq!(m.buffer_len(), Ok(12));
        let mut out = [0u8; 12];
        assert_eq!(m.emit(&mut out), Ok(12));
        assert_eq!(out, query);
        // 190 answers it, from the device.
        let reply = [1, 0, 0, 0, 190, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0];
        let m = WanMessage::parse(PacketType::Timer, &reply, Direction::FromDevice).unwrap();
        assert_eq!(m.direction(), Direction::FromDevice);
        // A non-timer biz_code in a type 13 is an error, not an untyped body.
        assert!(WanMessage::parse(PacketType::Timer, &ctl, Direction::ToDevice).is_err());
        assert_eq!(
            WanMessage::parse(PacketType::Auth, &ctl, Direction::FromDevice),
            Err(Error::TrailingData {
                what: "auth request",
                len: 4
            })
        );
    }
}
