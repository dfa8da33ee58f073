/*
 * vocab: the meaning of the protocol's enums, in one place (vocab.h).
 * Reports: nothing.
 */
#include "vocab.h"

int
job_state_final(int state)
{
	return state == SB__JOB_STATE__COMPLETED ||
	    state == SB__JOB_STATE__CANCELED ||
	    state == SB__JOB_STATE__ABORTED;
}

int
request_for_localspl(const Sb__Envelope *e)
{
	switch (e->body_case) {
	case SB__ENVELOPE__BODY_SUBMIT_REQ:
	case SB__ENVELOPE__BODY_JOBS_REQ:
	case SB__ENVELOPE__BODY_JOB_CTL_REQ:
	case SB__ENVELOPE__BODY_QUEUES_REQ:
	case SB__ENVELOPE__BODY_QUEUE_CTL_REQ:
	case SB__ENVELOPE__BODY_ACCOUNTING_REQ:
	case SB__ENVELOPE__BODY_QUOTA_REQ:
		return 1;
	default:
		return 0;
	}
}

const char *
error_code_name(int code)
{
	const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(
	    &sb__error_code__descriptor, code);

	return v != NULL ? v->name : "E_UNKNOWN";
}
