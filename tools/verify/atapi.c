// SPDX-License-Identifier: Apache-2.0
/*
 * atapi.c - the read-only ATAPI drive (see atapi.h). CDB fields and reply
 * data are big-endian (SCSI). Canned data: protocol-facts-ider.md 2.2
 * (READ TOC, GET CONFIGURATION features, the mode page headers); the
 * floppy's flexible-disk page is built from the image's geometry.
 */
#include "atapi.h"

#include <string.h>

#include "ider_codec.h"

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

void atapi_init(struct atapi_dev *d, bool cd, uint64_t size)
{
	memset(d, 0, sizeof(*d));
	d->cd = cd;
	d->block = cd ? 2048u : 512u;
	d->blocks = size / d->block;
	d->present = d->blocks > 0;
	d->unit_attention = d->present;
	d->ua_asc = 0x28; /* NOT READY TO READY CHANGE, MEDIUM MAY HAVE CHANGED */
}

void atapi_reset(struct atapi_dev *d)
{
	if (!d->present)
		return;
	d->unit_attention = true;
	d->ua_asc = 0x29; /* POWER ON, RESET, OR BUS DEVICE RESET OCCURRED */
}

const char *atapi_op_name(uint8_t op)
{
	switch (op) {
	case SCSI_TEST_UNIT_READY: return "TEST UNIT READY";
	case SCSI_REQUEST_SENSE: return "REQUEST SENSE";
	case SCSI_READ6: return "READ(6)";
	case SCSI_INQUIRY: return "INQUIRY";
	case SCSI_MODE_SENSE6: return "MODE SENSE(6)";
	case SCSI_START_STOP: return "START STOP UNIT";
	case SCSI_PREVENT_ALLOW: return "PREVENT ALLOW MEDIUM REMOVAL";
	case SCSI_READ_FORMAT_CAPACITIES: return "READ FORMAT CAPACITIES";
	case SCSI_READ_CAPACITY: return "READ CAPACITY";
	case SCSI_READ10: return "READ(10)";
	case SCSI_READ_TOC: return "READ TOC";
	case SCSI_GET_CONFIGURATION: return "GET CONFIGURATION";
	case SCSI_GET_EVENT_STATUS: return "GET EVENT STATUS NOTIFICATION";
	case SCSI_MODE_SENSE10: return "MODE SENSE(10)";
	case SCSI_READ12: return "READ(12)";
	default: return "unknown";
	}
}

static void check(struct atapi_dev *d, struct atapi_reply *r, uint8_t k, uint8_t asc, uint8_t ascq)
{
	r->kind = ATAPI_CHECK;
	r->sense = d->sense = k;
	r->asc = d->asc = asc;
	r->ascq = d->ascq = ascq;
}

static void data(struct atapi_dev *d, struct atapi_reply *r, size_t len, size_t alloc)
{
	r->kind = ATAPI_DATA;
	r->len = len < alloc ? len : alloc;
	d->sense = d->asc = d->ascq = 0;
}

/* ---- canned pages ---- */

static size_t mode_page(const struct atapi_dev *d, uint8_t page, uint8_t *p)
{
	switch (page) {
	case 0x01: /* read-write error recovery */
		if (d->cd) {
			static const uint8_t cd01[] = {0x01, 0x06, 0x00, 0xFF, 0, 0, 0, 0};
			memcpy(p, cd01, sizeof(cd01));
			return sizeof(cd01);
		} else {
			static const uint8_t fd01[] = {0x01, 0x0A, 0x00, 0x01, 0, 0, 0, 0, 0x02, 0, 0, 0};
			memcpy(p, fd01, sizeof(fd01));
			return sizeof(fd01);
		}
	case 0x05: { /* flexible disk: the geometry of the image */
		if (d->cd)
			return 0;
		bool small = d->blocks <= 2880;
		uint32_t heads = small ? 2 : 8, spt = small ? 18 : 32;
		uint32_t cyl = (uint32_t)(d->blocks / (heads * spt));
		memset(p, 0, 32);
		p[0] = 0x05;
		p[1] = 0x1E;
		put16(p + 2, small ? 500 : 4265); /* transfer rate, kbit/s */
		p[4] = (uint8_t)heads;
		p[5] = (uint8_t)spt;
		put16(p + 6, 512);
		put16(p + 8, cyl);
		p[20] = 0x28;              /* motor on delay (1/10 s) */
		put16(p + 28, small ? 300 : 720); /* rotation, rpm */
		return 32;
	}
	case 0x1A: /* power condition */
	case 0x1D: /* timeout and protect */
		if (!d->cd)
			return 0;
		memset(p, 0, 12);
		p[0] = page;
		p[1] = 0x0A;
		return 12;
	case 0x2A: /* CD capabilities and mechanical status */
		if (!d->cd)
			return 0;
		memset(p, 0, 26);
		p[0] = 0x2A;
		p[1] = 0x18;
		p[6] = 0x20; /* loading mechanism: tray */
		return 26;
	default:
		return 0;
	}
}

/* MODE SENSE(10): 8-byte header (medium type, write-protected) + pages. */
static size_t mode_sense10(const struct atapi_dev *d, uint8_t page, uint8_t *out)
{
	static const uint8_t cd_all[] = {0x01, 0x2A};
	static const uint8_t fd_all[] = {0x01, 0x05};
	size_t n = 8;
	memset(out, 0, 8);
	out[2] = d->cd ? 0x01 : (d->blocks <= 2880 ? 0x24 : 0x31); /* medium type */
	out[3] = 0x80;                                              /* WP */
	if (page == 0x3F) {
		const uint8_t *all = d->cd ? cd_all : fd_all;
		for (int i = 0; i < 2; i++)
			n += mode_page(d, all[i], out + n);
	} else {
		size_t k = mode_page(d, page, out + n);
		if (!k)
			return 0;
		n += k;
	}
	put16(out, (uint32_t)(n - 2));
	return n;
}

static void msf(uint8_t *p, uint64_t lba)
{
	uint64_t f = lba + 150;
	p[0] = 0;
	p[1] = (uint8_t)(f / (75 * 60));
	p[2] = (uint8_t)(f / 75 % 60);
	p[3] = (uint8_t)(f % 75);
}

static void read_toc(struct atapi_dev *d, const uint8_t *cdb, struct atapi_reply *r)
{
	uint8_t format = cdb[2] & 0x0F;
	bool use_msf = (cdb[1] & 0x02) != 0;
	uint8_t *p = r->data;
	if (!format && (cdb[9] >> 6))
		format = cdb[9] >> 6; /* the older place of the format */
	if (format == 1) { /* session information: one session, track 1 at 0 */
		static const uint8_t s[] = {0x00, 0x0A, 0x01, 0x01, 0x00, 0x14, 0x01, 0x00, 0, 0, 0, 0};
		memcpy(p, s, sizeof(s));
		data(d, r, sizeof(s), be16(cdb + 7));
		return;
	}
	if (format != 0) {
		check(d, r, SENSE_ILLEGAL_REQUEST, 0x24, 0x00);
		return;
	}
	static const uint8_t head[] = {0x00, 0x12, 0x01, 0x01, 0x00, 0x14, 0x01, 0x00};
	memcpy(p, head, sizeof(head));
	if (use_msf)
		msf(p + 8, 0);
	else
		put32(p + 8, 0);
	static const uint8_t lead[] = {0x00, 0x14, 0xAA, 0x00};
	memcpy(p + 12, lead, sizeof(lead));
	if (use_msf)
		msf(p + 16, d->blocks);
	else
		put32(p + 16, (uint32_t)d->blocks);
	data(d, r, 20, be16(cdb + 7));
}

/* GET CONFIGURATION: the profile CD-ROM and its features (MeshCentral's list). */
static void get_configuration(struct atapi_dev *d, const uint8_t *cdb, struct atapi_reply *r)
{
	static const uint8_t features[][12] = {
		{0x00, 0x00, 0x03, 0x04, 0x00, 0x08, 0x01, 0x00},             /* profile list */
		{0x00, 0x01, 0x03, 0x04, 0x00, 0x00, 0x00, 0x02},             /* core: ATAPI */
		{0x00, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00},             /* morphing */
		{0x00, 0x03, 0x03, 0x04, 0x29, 0x00, 0x00, 0x02},             /* removable medium */
		{0x00, 0x10, 0x01, 0x08, 0x00, 0x00, 0x08, 0x00, 0x00, 0x01, 0x00, 0x00}, /* random read */
		{0x00, 0x1E, 0x03, 0x00},                                     /* CD read */
		{0x01, 0x00, 0x03, 0x00},                                     /* power management */
		{0x01, 0x05, 0x03, 0x00},                                     /* timeout */
	};
	uint8_t rt = cdb[1] & 0x03;
	uint16_t start = be16(cdb + 2);
	uint8_t *p = r->data;
	size_t n = 8;
	memset(p, 0, 8);
	put16(p + 6, 0x0008); /* current profile: CD-ROM */
	for (size_t i = 0; i < sizeof(features) / sizeof(features[0]); i++) {
		uint16_t code = be16(features[i]);
		size_t len = 4u + features[i][3];
		if (code < start || (rt == 2 && code != start))
			continue;
		memcpy(p + n, features[i], len);
		n += len;
	}
	put32(p, (uint32_t)(n - 4));
	data(d, r, n, be16(cdb + 7));
}

static void read_blocks(struct atapi_dev *d, struct atapi_reply *r, uint64_t lba, uint64_t count)
{
	if (count == 0) {
		r->kind = ATAPI_GOOD;
		return;
	}
	if (lba >= d->blocks || count > d->blocks - lba) {
		check(d, r, SENSE_ILLEGAL_REQUEST, 0x21, 0x00); /* LBA out of range */
		return;
	}
	r->kind = ATAPI_READ;
	r->offset = lba * d->block;
	r->length = count * d->block;
	d->sense = d->asc = d->ascq = 0;
}

/* Commands that never touch the medium: no NOT READY, no unit attention. */
static bool medium_free(uint8_t op)
{
	return op == SCSI_INQUIRY || op == SCSI_REQUEST_SENSE || op == SCSI_GET_CONFIGURATION ||
	       op == SCSI_GET_EVENT_STATUS;
}

static bool is_write(uint8_t op)
{
	return op == SCSI_WRITE6 || op == SCSI_WRITE10 || op == SCSI_WRITE_VERIFY10 || op == SCSI_WRITE12;
}

void atapi_command(struct atapi_dev *d, const uint8_t cdb[12], struct atapi_reply *r)
{
	uint8_t op = cdb[0], *p = r->data;
	memset(r, 0, sizeof(*r));
	if (!medium_free(op)) {
		if (!d->present) {
			check(d, r, SENSE_NOT_READY, 0x3A, 0x00);
			return;
		}
		if (d->unit_attention) {
			d->unit_attention = false;
			check(d, r, SENSE_UNIT_ATTENTION, d->ua_asc, 0x00);
			return;
		}
	}
	if (is_write(op)) {
		check(d, r, SENSE_DATA_PROTECT, 0x27, 0x00); /* WRITE PROTECTED */
		return;
	}
	switch (op) {
	case SCSI_TEST_UNIT_READY:
	case SCSI_PREVENT_ALLOW:
	case SCSI_START_STOP:
		r->kind = ATAPI_GOOD;
		d->sense = d->asc = d->ascq = 0;
		return;
	case SCSI_REQUEST_SENSE: {
		uint8_t k = d->sense, asc = d->asc, ascq = d->ascq;
		if (!k && d->unit_attention && d->present) {
			d->unit_attention = false;
			k = SENSE_UNIT_ATTENTION;
			asc = d->ua_asc;
		}
		memset(p, 0, 18);
		p[0] = 0x70; /* current error, fixed format */
		p[2] = k;
		p[7] = 10;
		p[12] = asc;
		p[13] = ascq;
		data(d, r, 18, cdb[4]);
		return;
	}
	case SCSI_INQUIRY:
		if (cdb[1] & 0x01) { /* EVPD: no vital product data pages */
			check(d, r, SENSE_ILLEGAL_REQUEST, 0x24, 0x00);
			return;
		}
		memset(p, ' ', 36);
		p[0] = d->cd ? 0x05 : 0x00; /* CD/DVD, or direct access */
		p[1] = 0x80;                /* removable */
		p[2] = 0x00;
		p[3] = 0x21; /* ATAPI, response format 1 */
		p[4] = 31;
		p[5] = p[6] = p[7] = 0;
		memcpy(p + 8, "AMTAGENT", 8);
		memcpy(p + 16, d->cd ? "IDE-R CD-ROM" : "IDE-R FLOPPY", 12);
		memcpy(p + 32, "1.0 ", 4);
		data(d, r, 36, be16(cdb + 3));
		return;
	case SCSI_READ_CAPACITY:
		put32(p, (uint32_t)(d->blocks - 1));
		put32(p + 4, d->block);
		data(d, r, 8, 8);
		return;
	case SCSI_READ6: {
		uint32_t lba = ((uint32_t)(cdb[1] & 0x1F) << 16) | (uint32_t)cdb[2] << 8 | cdb[3];
		read_blocks(d, r, lba, cdb[4] ? cdb[4] : 256u);
		return;
	}
	case SCSI_READ10:
		read_blocks(d, r, be32(cdb + 2), be16(cdb + 7));
		return;
	case SCSI_READ12:
		read_blocks(d, r, be32(cdb + 2), be32(cdb + 6));
		return;
	case SCSI_READ_TOC:
		if (!d->cd)
			break;
		read_toc(d, cdb, r);
		return;
	case SCSI_GET_CONFIGURATION:
		if (!d->cd)
			break;
		get_configuration(d, cdb, r);
		return;
	case SCSI_GET_EVENT_STATUS:
		if (!(cdb[1] & 0x01)) { /* only polled operation */
			check(d, r, SENSE_ILLEGAL_REQUEST, 0x24, 0x00);
			return;
		}
		memset(p, 0, 8);
		if (cdb[4] & 0x10) { /* media class: present, no change */
			p[1] = 0x06;
			p[2] = 0x04;
			p[3] = 0x10;
			p[5] = d->present ? 0x02 : 0x00;
			data(d, r, 8, be16(cdb + 7));
		} else { /* no event class we report */
			p[1] = 0x02;
			p[2] = 0x80;
			p[3] = 0x10;
			data(d, r, 4, be16(cdb + 7));
		}
		return;
	case SCSI_READ_FORMAT_CAPACITIES:
		if (d->cd)
			break;
		memset(p, 0, 12);
		p[3] = 8;
		put32(p + 4, (uint32_t)d->blocks);
		p[8] = 0x02; /* formatted medium */
		put16(p + 10, d->block);
		data(d, r, 12, be16(cdb + 7));
		return;
	case SCSI_MODE_SENSE6:
		if ((cdb[2] & 0x3F) != 0x3F) {
			check(d, r, SENSE_ILLEGAL_REQUEST, 0x24, 0x00);
			return;
		}
		p[0] = 3; /* mode data length: the header only */
		p[1] = d->cd ? 0x01 : (d->blocks <= 2880 ? 0x24 : 0x31); /* medium type */
		p[2] = 0x80; /* write-protected */
		p[3] = 0x00;
		data(d, r, 4, cdb[4]);
		return;
	case SCSI_MODE_SENSE10: {
		size_t n = mode_sense10(d, cdb[2] & 0x3F, p);
		if (!n) {
			check(d, r, SENSE_ILLEGAL_REQUEST, 0x24, 0x00); /* page not supported */
			return;
		}
		data(d, r, n, be16(cdb + 7));
		return;
	}
	default:
		break;
	}
	check(d, r, SENSE_ILLEGAL_REQUEST, 0x20, 0x00); /* INVALID COMMAND OPERATION CODE */
}
