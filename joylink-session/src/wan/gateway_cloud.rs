//! The cloud's side of a gateway's sub-devices (spec 7.3.15–7.3.24, 8.4): control of a
//! sub-device through the gateway (111), unbind (113), upload answers (112). The sub-device
//! states of the 110 heartbeat are kept by the receive path in `cloud.rs`
//! ([`Cloud::sub_devices`]).

use joylink_crypto::AccessKey;
use joylink_wire::wan::{
    SubDevControl, SubDevInfo, SubDevList, SubDevOnline, SubDevUnbind, SubDevUpload,
    SubDevUploadResponse, WanMessage,
};
use joylink_wire::{BizCode, FixedText, ResponseCode};

use super::super::gateway::{INNER_CAP, seal_inner};
use super::super::queue::TxQueue;
use super::{Cloud, CloudIncoming, PendingKind, SUBDEV_CAP, SubDevEntry};
use crate::{Error, Instant, Result};

impl SubDevEntry {
    /// The feed id without its NUL padding.
    #[must_use]
    pub fn feed_id_text(&self) -> &[u8] {
        FixedText::new("feed_id", &self.feed_id).as_bytes()
    }
}

impl Cloud {
    /// Controls (1002) or asks the snapshot (1004) of a gateway's sub-device (type 111, spec
    /// 7.3.19/7.3.21): `cmd` sealed with the sub-device's accesskey `sub_key` inside the
    /// gateway's session key; returns the serial. The answer comes back as
    /// [`CloudIncoming::SubDevControlResponse`] or, after the request timeout, as
    /// [`CloudEvent::Timeout`](super::CloudEvent::Timeout).
    ///
    /// # Errors
    /// As [`Cloud::control`]; [`Error::Capacity`] for a `cmd` over 1008 bytes; [`Error::State`]
    /// for a feed id over 32 bytes.
    pub fn control_sub<const N: usize>(
        &mut self,
        now: Instant,
        feed_id: &[u8],
        sub_key: &AccessKey,
        biz_code: BizCode,
        cmd: &[u8],
        tx: &mut TxQueue<N>,
    ) -> Result<u32> {
        if feed_id.len() > 32 {
            return Err(Error::State("sub-device feed id"));
        }
        let mut inner = [0u8; INNER_CAP];
        let n = seal_inner(sub_key, cmd, &mut inner)?;
        let serial = self.allocate(now, PendingKind::SubControl, 0)?;
        let m = WanMessage::SubDevControl(SubDevControl {
            timestamp: self.ts(now),
            biz_code,
            serial,
            feed_id: FixedText::new("feed_id", feed_id),
            data: inner.get(..n).unwrap_or_default(),
        });
        self.send(&m, tx).inspect_err(|_| self.unallocate(serial))?;
        Ok(serial)
    }

    /// Unbinds sub-devices of the gateway (type 113, biz_code 1060, spec 7.3.23); returns the
    /// serial. Each record carries the version and state last heard in a 110 heartbeat (0 for a
    /// feed id never listed). Only on an online session (spec 8.4.3: unbinding needs the gateway
    /// online, so that cloud, gateway and app agree); the rows leave [`Cloud::sub_devices`] when
    /// the gateway answers ([`CloudIncoming::SubDevUnbound`]).
    ///
    /// # Errors
    /// As [`Cloud::control`]; [`Error::Capacity`] for more than [`SUBDEV_CAP`] feed ids,
    /// [`Error::State`] for a feed id over 32 bytes.
    pub fn unbind_subs<const N: usize>(
        &mut self,
        now: Instant,
        feed_ids: &[&[u8]],
        tx: &mut TxQueue<N>,
    ) -> Result<u32> {
        if feed_ids.len() > SUBDEV_CAP {
            return Err(Error::Capacity);
        }
        if feed_ids.iter().any(|f| f.len() > 32) {
            return Err(Error::State("sub-device feed id"));
        }
        let blank = SubDevInfo {
            version: 0,
            rssi: 0,
            feed_id: FixedText::new("feed_id", &[]),
            state: SubDevOnline::Online,
        };
        let mut records = [blank; SUBDEV_CAP];
        for (slot, feed) in records.iter_mut().zip(feed_ids) {
            let known = self.sub_devices().find(|e| e.feed_id_text() == *feed);
            *slot = SubDevInfo {
                version: known.map_or(0, |e| e.version),
                rssi: 0,
                feed_id: FixedText::new("feed_id", feed),
                state: SubDevOnline::from(known.map_or(0, |e| e.state)),
            };
        }
        let serial = self.allocate(now, PendingKind::SubUnbind, 0)?;
        let m = WanMessage::SubDevUnbind(SubDevUnbind {
            timestamp: self.ts(now),
            biz_code: BizCode::Unbind,
            serial,
            devices: SubDevList::from_records(records.get(..feed_ids.len()).unwrap_or_default()),
        });
        self.send(&m, tx).inspect_err(|_| self.unallocate(serial))?;
        Ok(serial)
    }

    /// Answers a 112 upload (spec 7.3.18: timestamp, the feed id echoed, code 0).
    pub(super) fn sub_upload_answer<const N: usize>(
        &mut self,
        now: Instant,
        upload: &SubDevUpload<'_>,
        tx: &mut TxQueue<N>,
    ) -> Result<()> {
        let r = SubDevUploadResponse {
            timestamp: self.ts(now),
            feed_id: FixedText::new("feed_id", upload.feed_id.as_bytes()),
            code: ResponseCode::Success,
        };
        self.send(&WanMessage::SubDevUploadResponse(r), tx)
    }

    /// Matches a 111 answer to its request.
    pub(super) fn sub_control_answer<'a>(&mut self, c: SubDevControl<'a>) -> CloudIncoming<'a> {
        match self.release(c.serial) {
            Some(p) if p.kind == PendingKind::SubControl => CloudIncoming::SubDevControlResponse {
                serial: c.serial,
                biz_code: c.biz_code,
                feed_id: c.feed_id,
                data: c.data,
            },
            _ => CloudIncoming::Unmatched { serial: c.serial },
        }
    }

    /// Matches a 113 answer to its request and forgets the unbound sub-devices.
    pub(super) fn sub_unbind_answer<'a>(&mut self, u: &SubDevUnbind<'a>) -> CloudIncoming<'a> {
        match self.release(u.serial) {
            Some(p) if p.kind == PendingKind::SubUnbind => {
                for d in u.devices.iter() {
                    let gone = d.feed_id.as_bytes();
                    for slot in &mut self.subdevs {
                        if slot.is_some_and(|e| e.feed_id_text() == gone) {
                            *slot = None;
                        }
                    }
                }
                CloudIncoming::SubDevUnbound { serial: u.serial }
            }
            _ => CloudIncoming::Unmatched { serial: u.serial },
        }
    }
}
