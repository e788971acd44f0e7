/* SPDX-License-Identifier: MIT */
/*
 * IEEE 1588-2019 (PTP v2.1, also v2.0) message codec: the wire ABI of ptpd-wl.
 *
 * Every multi-octet field is big-endian (network order) on the wire; the structs below hold
 * host-order values. Layout of the 34-octet common header (offset: field):
 *    0: majorSdoId (bits 7-4, was transportSpecific) | messageType (bits 3-0)
 *    1: minorVersionPTP (bits 7-4) | versionPTP (bits 3-0, always 2)
 *    2: messageLength (whole message incl. TLVs)    4: domainNumber   5: minorSdoId
 *    6: flagField (2 octets, see PTP_FLAG_*)          8: correctionField (Integer64, ns * 2^16)
 *   16: messageTypeSpecific (4)  20: sourcePortIdentity (clockIdentity 8 + portNumber 2)
 *   30: sequenceId   32: controlField   33: logMessageInterval (Integer8)
 * Bodies follow at offset 34 (lengths incl. header): Sync, Delay_Req, Follow_Up 44;
 * Delay_Resp, Pdelay_Req, Pdelay_Resp, Pdelay_Resp_Follow_Up 54; Announce 64; Signaling 44;
 * Management 48. A Timestamp is 10 octets: secondsField UInteger48 + nanosecondsField UInteger32.
 * TLVs (type 2, lengthField 2, value; lengthField even) may follow any body up to messageLength.
 *
 * The parser validates every length before it reads and never reads past len: fuzz-safe.
 */
#ifndef PTPD_CORE_MSG_H
#define PTPD_CORE_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tsync/time.h"

#define PTP_VERSION             2
#define PTP_MINOR_VERSION       1 /* what we send (IEEE 1588-2019); we accept 0 and 1 */
#define PTP_HDR_LEN             34
#define PTP_TS_LEN              10
#define PTP_MAX_MSG_LEN         1500
#define PTP_LOG_INTERVAL_UNUSED 0x7f
#define PTP_SECONDS_MAX         0xffffffffffffULL /* 48 bits */

enum ptp_msg_type {
	PTP_SYNC = 0x0,
	PTP_DELAY_REQ = 0x1,
	PTP_PDELAY_REQ = 0x2,
	PTP_PDELAY_RESP = 0x3,
	PTP_FOLLOW_UP = 0x8,
	PTP_DELAY_RESP = 0x9,
	PTP_PDELAY_RESP_FUP = 0xa,
	PTP_ANNOUNCE = 0xb,
	PTP_SIGNALING = 0xc,
	PTP_MANAGEMENT = 0xd,
};

/* flagField as a host uint16: octet 6 in bits 15-8, octet 7 in bits 7-0. */
#define PTP_FLAG_ALT_MASTER     (1u << 8)
#define PTP_FLAG_TWO_STEP       (1u << 9)
#define PTP_FLAG_UNICAST        (1u << 10)
#define PTP_FLAG_PROFILE1       (1u << 13)
#define PTP_FLAG_PROFILE2       (1u << 14)
#define PTP_FLAG_SECURITY       (1u << 15)
#define PTP_FLAG_LEAP61         (1u << 0)
#define PTP_FLAG_LEAP59         (1u << 1)
#define PTP_FLAG_UTC_OFF_VALID  (1u << 2)
#define PTP_FLAG_PTP_TIMESCALE  (1u << 3)
#define PTP_FLAG_TIME_TRACEABLE (1u << 4)
#define PTP_FLAG_FREQ_TRACEABLE (1u << 5)
#define PTP_FLAG_SYNC_UNCERTAIN (1u << 6)
#define PTP_FLAGS_TIME_PROPS    0x7fu /* the octet-7 bits that timePropertiesDS carries */

/* controlField values (deprecated in 2019 but still sent: linuxptp checks nothing). */
enum ptp_control {
	PTP_CTL_SYNC = 0,
	PTP_CTL_DELAY_REQ = 1,
	PTP_CTL_FOLLOW_UP = 2,
	PTP_CTL_DELAY_RESP = 3,
	PTP_CTL_MANAGEMENT = 4,
	PTP_CTL_OTHER = 5,
};

/* TLV types used here (IEEE 1588-2019 table 52). */
#define PTP_TLV_MANAGEMENT              0x0001
#define PTP_TLV_MANAGEMENT_ERROR_STATUS 0x0002
#define PTP_TLV_ORGANIZATION_EXTENSION  0x0003
#define PTP_TLV_PATH_TRACE              0x0008
#define PTP_TLV_PAD                     0x8008

struct ptp_clock_id {
	uint8_t id[8];
};

struct ptp_port_id {
	struct ptp_clock_id clock;
	uint16_t port; /* portNumber; 0xffff = all ports in a management target */
};

/* PTP Timestamp: seconds is 48 bits on the wire, nsec < 1e9 (the parser checks). */
struct ptp_ts {
	uint64_t sec;
	uint32_t nsec;
};

struct ptp_clock_quality {
	uint8_t clock_class;
	uint8_t accuracy;  /* clockAccuracy enumeration, e.g. 0x20 = 25 ns, 0xfe unknown */
	uint16_t variance; /* offsetScaledLogVariance */
};

struct ptp_header {
	uint8_t major_sdo_id;  /* 4 bits (transportSpecific in v2.0) */
	uint8_t type;          /* enum ptp_msg_type, 4 bits */
	uint8_t minor_version; /* 4 bits: 0 (2008) or 1 (2019) */
	uint8_t version;       /* 4 bits: always 2 */
	uint16_t length;       /* messageLength, octets, including TLVs */
	uint8_t domain;
	uint8_t minor_sdo_id;
	uint16_t flags;     /* PTP_FLAG_* */
	int64_t correction; /* correctionField: ns * 2^16 (scaled ns), signed */
	uint32_t type_specific;
	struct ptp_port_id source; /* sourcePortIdentity */
	uint16_t seq;              /* sequenceId */
	uint8_t control;           /* enum ptp_control */
	int8_t log_interval;       /* logMessageInterval, log2 seconds; 0x7f unused */
};

struct ptp_announce {
	struct ptp_ts origin;
	int16_t utc_offset; /* currentUtcOffset, s (TAI - UTC) */
	uint8_t gm_priority1;
	struct ptp_clock_quality gm_quality;
	uint8_t gm_priority2;
	struct ptp_clock_id gm_identity;
	uint16_t steps_removed;
	uint8_t time_source; /* enumeration, e.g. 0x20 GNSS, 0xa0 internal oscillator */
};

enum ptp_mgmt_action {
	PTP_MGMT_GET = 0,
	PTP_MGMT_SET = 1,
	PTP_MGMT_RESPONSE = 2,
	PTP_MGMT_COMMAND = 3,
	PTP_MGMT_ACKNOWLEDGE = 4,
};

struct ptp_mgmt_body {
	struct ptp_port_id target; /* targetPortIdentity (all ones = wildcard) */
	uint8_t starting_hops;     /* startingBoundaryHops */
	uint8_t hops;              /* boundaryHops */
	uint8_t action;            /* enum ptp_mgmt_action: low 4 bits of octet 46 */
};

/* One TLV as found in a parsed message: value points into the caller's buffer. */
struct ptp_tlv {
	uint16_t type;
	uint16_t length; /* lengthField: octets of value, even */
	const uint8_t *value;
};

/* A parsed (or to-be-built) message. Pointers alias the buffer given to msg_parse(). */
struct ptp_msg {
	struct ptp_header hdr;
	union {
		struct {
			struct ptp_ts origin;
		} sync, delay_req, pdelay_req;
		struct {
			struct ptp_ts precise_origin;
		} follow_up;
		struct {
			struct ptp_ts receive;
			struct ptp_port_id requesting;
		} delay_resp;
		struct {
			struct ptp_ts request_receipt; /* t2; zero in one-step responses */
			struct ptp_port_id requesting;
		} pdelay_resp;
		struct {
			struct ptp_ts response_origin; /* t3 */
			struct ptp_port_id requesting;
		} pdelay_resp_fup;
		struct ptp_announce announce;
		struct {
			struct ptp_port_id target;
		} signaling;
		struct ptp_mgmt_body management;
	};
	const uint8_t *tlvs; /* first TLV (NULL if none) */
	size_t tlv_len;      /* octets of TLV suffix: messageLength - body length */
	unsigned tlv_count;
	const char *reason; /* parse: "ok" or why the message was rejected (static string) */
};

/* Fixed length (header + body, no TLVs) of a message type; 0 for an unknown type. */
size_t msg_body_len(unsigned type);

/* "Sync", "Announce", ...; "unknown" for other values. */
const char *msg_type_str(unsigned type);

/*
 * Parse and validate buf[0..len) into *out. Checks, in order: len >= 34 (-EBADMSG),
 * versionPTP == 2 and minorVersionPTP 0 or 1 (-EPROTO), known messageType (-EPROTO),
 * messageLength >= the type's body length and <= len (-EBADMSG; octets past messageLength,
 * e.g. Ethernet padding, are ignored), every timestamp's nanoseconds < 1e9 and its value
 * representable as tmv_t, i.e. not after 2262-04-11 (ptp_ts_valid; -EBADMSG),
 * TLV chain: each header complete, lengthField even and inside messageLength (-EBADMSG).
 * Returns 0 or -errno; out->reason always says why. Never reads outside buf[0..len).
 */
int msg_parse(const uint8_t *buf, size_t len, struct ptp_msg *out);

/* Reason string of the last msg_parse() into m ("ok" on success). */
const char *msg_strerror(const struct ptp_msg *m);

/*
 * Iterate the TLVs of a parsed message: *off starts at 0. Returns 1 and fills *tlv while
 * there is one, 0 at the end. Only valid on a message msg_parse() accepted.
 */
int msg_tlv_next(const struct ptp_msg *m, size_t *off, struct ptp_tlv *tlv);

/* Find the first TLV of a type; 0 and *tlv filled, or -ENOENT. */
int msg_tlv_find(const struct ptp_msg *m, uint16_t type, struct ptp_tlv *tlv);

/*
 * Fill a header for sending: version 2.PTP_MINOR_VERSION, the controlField for the type,
 * flags 0, correction 0, length 0 (msg_build sets it). src: sourcePortIdentity.
 * log_interval: log2 of the message interval in s (0x7f if not applicable).
 */
void msg_hdr_init(struct ptp_header *h, enum ptp_msg_type type, const struct ptp_port_id *src,
                  uint8_t domain, uint16_t seq, int8_t log_interval);

/*
 * Serialise m->hdr and the body of m->hdr.type into buf (capacity cap octets); messageLength
 * is written as the body length (append TLVs with msg_tlv_append). Returns the number of
 * octets written, -ENOSPC if cap is too small, -EINVAL for an unknown type, a version other
 * than 2, or a timestamp with sec >= 2^48 or nsec >= 1e9.
 */
int msg_build(uint8_t *buf, size_t cap, const struct ptp_msg *m);

/*
 * Append a TLV to the message of len octets in buf: value (vlen octets, may be NULL if 0)
 * is padded with one zero octet to an even lengthField when vlen is odd. Updates
 * messageLength in buf. Returns the new total length, -ENOSPC, or -EINVAL (len < 34,
 * vlen > 65534 or the result would exceed 65535).
 */
int msg_tlv_append(uint8_t *buf, size_t cap, size_t len, uint16_t type, const void *value,
                   size_t vlen);

/* Typed builders: hdr supplies every header field (type is forced), return as msg_build. */
int msg_build_sync(uint8_t *buf, size_t cap, const struct ptp_header *hdr,
                   const struct ptp_ts *origin);
int msg_build_delay_req(uint8_t *buf, size_t cap, const struct ptp_header *hdr,
                        const struct ptp_ts *origin);
int msg_build_follow_up(uint8_t *buf, size_t cap, const struct ptp_header *hdr,
                        const struct ptp_ts *precise_origin);
int msg_build_delay_resp(uint8_t *buf, size_t cap, const struct ptp_header *hdr,
                         const struct ptp_ts *receive, const struct ptp_port_id *requesting);
int msg_build_pdelay_req(uint8_t *buf, size_t cap, const struct ptp_header *hdr,
                         const struct ptp_ts *origin);
int msg_build_pdelay_resp(uint8_t *buf, size_t cap, const struct ptp_header *hdr,
                          const struct ptp_ts *request_receipt,
                          const struct ptp_port_id *requesting);
int msg_build_pdelay_resp_fup(uint8_t *buf, size_t cap, const struct ptp_header *hdr,
                              const struct ptp_ts *response_origin,
                              const struct ptp_port_id *requesting);
int msg_build_announce(uint8_t *buf, size_t cap, const struct ptp_header *hdr,
                       const struct ptp_announce *a);

/* --- small value helpers --- */

/* nsec < 1e9 and sec * 1e9 + nsec <= INT64_MAX (until 2262-04-11): a tmv_t holds it.
 * A received timestamp beyond that is invalid input (msg_parse rejects the message). */
bool ptp_ts_valid(const struct ptp_ts *ts);
/* PTP timestamp -> ns since the PTP epoch; INT64_MAX for a timestamp !ptp_ts_valid. */
tmv_t ptp_ts_to_tmv(const struct ptp_ts *ts);
/* ns (>= 0) -> PTP timestamp; a negative t gives -ERANGE, else 0. */
int ptp_ts_from_tmv(tmv_t t, struct ptp_ts *ts);
/* correctionField (ns * 2^16) -> ns, rounded to nearest (ties away from zero). */
tmv_t ptp_corr_to_ns(int64_t scaled);
/* ns -> correctionField scale (ns * 2^16), saturating at INT64 limits. */
int64_t ptp_ns_to_corr(tmv_t ns);

/* memcmp-style ordering of identities (clockIdentity as an unsigned 64-bit BE number). */
int ptp_clock_id_cmp(const struct ptp_clock_id *a, const struct ptp_clock_id *b);
/* clockIdentity first, then portNumber. */
int ptp_port_id_cmp(const struct ptp_port_id *a, const struct ptp_port_id *b);
bool ptp_port_id_eq(const struct ptp_port_id *a, const struct ptp_port_id *b);

#endif
