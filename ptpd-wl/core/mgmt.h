/* SPDX-License-Identifier: MIT */
/*
 * PTP management messages (IEEE 1588-2019 clause 15) in the form linuxptp's pmc speaks.
 *
 * A management message is the 48-octet Management body (msg.h) followed by exactly one TLV:
 *   MANAGEMENT (0x0001):  type 2 | lengthField 2 | managementId 2 | dataField (lengthField - 2)
 *   MANAGEMENT_ERROR_STATUS (0x0002): type | lengthField (8 + text) | managementErrorId 2 |
 *                                     managementId 2 | reserved 4 | displayData (optional)
 * pmc's GET requests carry a zero-filled dataField of the dataset's size (unless pmc -z).
 *
 * dataField layouts (all big-endian; octet sizes in brackets; pmc requires these exact lengths):
 *   DEFAULT_DATA_SET [20]: flags (bit0 twoStep, bit1 slaveOnly), reserved, numberPorts 2,
 *       priority1, clockQuality 4 (class, accuracy, offsetScaledLogVariance 2), priority2,
 *       clockIdentity 8, domainNumber, reserved
 *   CURRENT_DATA_SET [18]: stepsRemoved 2, offsetFromMaster 8, meanPathDelay 8 (TimeInterval:
 *       ns * 2^16)
 *   PARENT_DATA_SET [32]: parentPortIdentity 10, parentStats, reserved,
 *       observedParentOffsetScaledLogVariance 2, observedParentClockPhaseChangeRate 4,
 *       grandmasterPriority1, grandmasterClockQuality 4, grandmasterPriority2, gmIdentity 8
 *   TIME_PROPERTIES_DATA_SET [4]: currentUtcOffset 2, flags (PTP_FLAG_LEAP61...), timeSource
 *   PORT_DATA_SET [26]: portIdentity 10, portState, logMinDelayReqInterval,
 *       peerMeanPathDelay 8 (TimeInterval), logAnnounceInterval, announceReceiptTimeout,
 *       logSyncInterval, delayMechanism, logMinPdelayReqInterval, versionNumber
 *   TIME_STATUS_NP [50] (linuxptp): master_offset 8 (ns), ingress_time 8 (ns),
 *       cumulativeScaledRateOffset 4, scaledLastGmPhaseChange 4, gmTimeBaseIndicator 2,
 *       lastGmPhaseChange 12 (ScaledNs: ns msb 2, ns lsb 8, fractional ns 2), gmPresent 4,
 *       gmIdentity 8
 *   PORT_PROPERTIES_NP [13 + n, padded even] (linuxptp): portIdentity 10, port_state,
 *       timestamping, interface PTPText (length octet + n octets)
 *   single values [2]: value, reserved (PRIORITY1, PRIORITY2, DOMAIN, SLAVE_ONLY, ...)
 */
#ifndef PTPD_CORE_MGMT_H
#define PTPD_CORE_MGMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ds.h"
#include "msg.h"

/* managementId values (table 59) and linuxptp's implementation-specific ones (0xC000..). */
enum mgmt_id {
	MGMT_NULL_MANAGEMENT = 0x0000,
	MGMT_CLOCK_DESCRIPTION = 0x0001,
	MGMT_USER_DESCRIPTION = 0x0002,
	MGMT_SAVE_IN_NON_VOLATILE_STORAGE = 0x0003,
	MGMT_RESET_NON_VOLATILE_STORAGE = 0x0004,
	MGMT_INITIALIZE = 0x0005,
	MGMT_FAULT_LOG = 0x0006,
	MGMT_FAULT_LOG_RESET = 0x0007,
	MGMT_DEFAULT_DATA_SET = 0x2000,
	MGMT_CURRENT_DATA_SET = 0x2001,
	MGMT_PARENT_DATA_SET = 0x2002,
	MGMT_TIME_PROPERTIES_DATA_SET = 0x2003,
	MGMT_PORT_DATA_SET = 0x2004,
	MGMT_PRIORITY1 = 0x2005,
	MGMT_PRIORITY2 = 0x2006,
	MGMT_DOMAIN = 0x2007,
	MGMT_SLAVE_ONLY = 0x2008,
	MGMT_LOG_ANNOUNCE_INTERVAL = 0x2009,
	MGMT_ANNOUNCE_RECEIPT_TIMEOUT = 0x200a,
	MGMT_LOG_SYNC_INTERVAL = 0x200b,
	MGMT_VERSION_NUMBER = 0x200c,
	MGMT_ENABLE_PORT = 0x200d,
	MGMT_DISABLE_PORT = 0x200e,
	MGMT_TIME = 0x200f,
	MGMT_CLOCK_ACCURACY = 0x2010,
	MGMT_UTC_PROPERTIES = 0x2011,
	MGMT_TRACEABILITY_PROPERTIES = 0x2012,
	MGMT_TIMESCALE_PROPERTIES = 0x2013,
	MGMT_DELAY_MECHANISM = 0x6000,
	MGMT_LOG_MIN_PDELAY_REQ_INTERVAL = 0x6001,
	MGMT_TIME_STATUS_NP = 0xc000,
	MGMT_GRANDMASTER_SETTINGS_NP = 0xc001,
	MGMT_PORT_DATA_SET_NP = 0xc002,
	MGMT_SUBSCRIBE_EVENTS_NP = 0xc003,
	MGMT_PORT_PROPERTIES_NP = 0xc004,
	MGMT_PORT_STATS_NP = 0xc005,
	MGMT_SYNCHRONIZATION_UNCERTAIN_NP = 0xc006,
};

/* managementErrorId values (table 109). */
enum mgmt_error {
	MGMT_ERR_RESPONSE_TOO_BIG = 0x0001,
	MGMT_ERR_NO_SUCH_ID = 0x0002,
	MGMT_ERR_WRONG_LENGTH = 0x0003,
	MGMT_ERR_WRONG_VALUE = 0x0004,
	MGMT_ERR_NOT_SETABLE = 0x0005,
	MGMT_ERR_NOT_SUPPORTED = 0x0006,
	MGMT_ERR_GENERAL_ERROR = 0xfffe,
};

#define MGMT_HDR_LEN            48 /* header + management body, before the TLV */
#define MGMT_ERROR_STATUS_MIN   8  /* error TLV value without displayData */
#define MGMT_TIME_STATUS_NP_LEN 50

/* linuxptp TIME_STATUS_NP content (host order). */
struct mgmt_time_status_np {
	int64_t master_offset;                 /* ns, local minus master (ptp4l's sign) */
	int64_t ingress_time;                  /* ns, local time of the last Sync ingress */
	int32_t cumulative_scaled_rate_offset; /* (rateRatio - 1) * 2^41 */
	int32_t scaled_last_gm_phase_change;
	uint16_t gm_time_base_indicator;
	struct {
		uint16_t ns_msb;
		uint64_t ns_lsb;
		uint16_t frac_ns; /* 2^-16 ns */
	} last_gm_phase_change;
	int32_t gm_present; /* 1 if a grandmaster is known */
	struct ptp_clock_id gm_identity;
};

/* linuxptp PORT_PROPERTIES_NP content; timestamping: 0 software, 1 hardware, 2 legacy hw,
 * 3 onestep, 4 p2p1step (pmc prints these names). */
struct mgmt_port_props_np {
	struct ptp_port_id identity;
	uint8_t state; /* enum ptp_port_state */
	uint8_t timestamping;
	char interface[64]; /* NUL-terminated; sent as a PTPText of strlen() octets */
};

/* A parsed management message (request or response). */
struct mgmt_msg {
	struct ptp_msg msg;  /* header + management body; msg.reason says why on error */
	uint16_t tlv_type;   /* PTP_TLV_MANAGEMENT or PTP_TLV_MANAGEMENT_ERROR_STATUS */
	uint16_t id;         /* managementId */
	uint16_t error;      /* managementErrorId (error status only) */
	const uint8_t *data; /* dataField (MANAGEMENT) or displayData (error), aliases buf */
	size_t data_len;
};

/* Where mgmt_respond() finds its answers: NULL members answer NOT_SUPPORTED. */
struct mgmt_sources {
	const struct ds_default *dflt;
	const struct ds_current *current;
	const struct ds_parent *parent;
	const struct ds_time_props *time_props;
	const struct ds_port *port;
	const struct mgmt_time_status_np *time_status;
	const struct mgmt_port_props_np *port_props;
};

/*
 * Parse a management message: msg_parse() checks plus messageType Management, actionField
 * 0..4, a first TLV that is MANAGEMENT (lengthField >= 2) or MANAGEMENT_ERROR_STATUS
 * (lengthField >= 8). 0 or -EBADMSG/-EPROTO (reason in out->msg.reason).
 */
int mgmt_parse(const uint8_t *buf, size_t len, struct mgmt_msg *out);

/* "GET", "SET", "RESPONSE", "COMMAND", "ACKNOWLEDGE" or "?". */
const char *mgmt_action_str(unsigned action);
/* "CURRENT_DATA_SET", ... or NULL for an id we do not know. */
const char *mgmt_id_str(uint16_t id);
/* True for ids answered per port (PORT_DATA_SET, LOG_SYNC_INTERVAL, PORT_PROPERTIES_NP...). */
bool mgmt_id_is_port_level(uint16_t id);

/* True if m's targetPortIdentity addresses port (all-ones clockIdentity and 0xffff portNumber
 * are wildcards). */
bool mgmt_targets_port(const struct mgmt_msg *m, const struct ptp_port_id *port);

/*
 * Encode the dataField of id from src into out[0..cap). Returns the octet count (odd only
 * never: PTPText data is padded), -ENOTSUP for a known id without a source or without an
 * encoder here, -ENOENT for an unknown id, -ENOSPC if cap is too small.
 */
int mgmt_encode_data(uint16_t id, const struct mgmt_sources *src, uint8_t *out, size_t cap);

/* Decoders of the dataFields above, for clients and tests: 0, or -EBADMSG if n is not the
 * exact size (port props: at least 13 and the text inside n). */
int mgmt_decode_default(const uint8_t *d, size_t n, struct ds_default *out);
int mgmt_decode_current(const uint8_t *d, size_t n, struct ds_current *out);
int mgmt_decode_parent(const uint8_t *d, size_t n, struct ds_parent *out);
int mgmt_decode_time_props(const uint8_t *d, size_t n, struct ds_time_props *out);
int mgmt_decode_port(const uint8_t *d, size_t n, struct ds_port *out);
int mgmt_decode_time_status(const uint8_t *d, size_t n, struct mgmt_time_status_np *out);
int mgmt_decode_port_props(const uint8_t *d, size_t n, struct mgmt_port_props_np *out);

/*
 * Build a management request from self to target (pmc's shape): boundaryHops and
 * startingBoundaryHops = hops, logMessageInterval 0x7f, one MANAGEMENT TLV with id and
 * data (data_len octets, may be 0). Returns the message length or -errno (-ENOSPC, -EINVAL).
 */
int mgmt_build_request(uint8_t *buf, size_t cap, const struct ptp_port_id *self,
                       const struct ptp_port_id *target, uint8_t domain, uint16_t seq, uint8_t hops,
                       enum ptp_mgmt_action action, uint16_t id, const void *data, size_t data_len);

/*
 * Build the reply to req as ptp4l does: same domain and sequenceId, source self, target the
 * requester, startingBoundaryHops = boundaryHops = req's starting - remaining hops, action
 * RESPONSE (ACKNOWLEDGE for a COMMAND), one MANAGEMENT TLV carrying id and data.
 * Returns the message length or -errno.
 */
int mgmt_build_response(uint8_t *buf, size_t cap, const struct mgmt_msg *req,
                        const struct ptp_port_id *self, uint16_t id, const void *data,
                        size_t data_len);

/* Same shape with a MANAGEMENT_ERROR_STATUS TLV (error, req's managementId, no text). */
int mgmt_build_error(uint8_t *buf, size_t cap, const struct mgmt_msg *req,
                     const struct ptp_port_id *self, uint16_t error);

/*
 * The whole answer to a request: GET of an id we can encode from src -> RESPONSE; GET of a
 * known id we cannot -> NOT_SUPPORTED; unknown id -> NO_SUCH_ID; SET/COMMAND -> NOT_SUPPORTED
 * (no writable data sets yet). Returns the reply length, 0 when no reply is due (req is
 * itself a RESPONSE or ACKNOWLEDGE, or carries an error status), or -errno.
 * Target matching is the caller's: see mgmt_targets_port().
 */
int mgmt_respond(uint8_t *buf, size_t cap, const struct mgmt_msg *req,
                 const struct ptp_port_id *self, const struct mgmt_sources *src);

#endif
