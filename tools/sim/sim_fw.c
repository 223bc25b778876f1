/*
 * sim_fw.c - wiring of the simulated firmware (see sim_fw.h).
 */
#include "sim_fw.h"

#include <errno.h>
#include <stdlib.h>

#include "amthi_codec.h"
#include "log.h"
#include "sim_lme.h"
#include "sim_cira.h"
#include "sim_hello.h"

int sim_fw_register(struct sim_fw *fw)
{
	int rc;
	fw->not_ready_left = fw->st.not_ready_count;
	if (fw->st.amt_enabled || fw->st.disabled_style == SIM_DISABLED_EMPTY) {
		rc = sim_amthi_register(fw);
		if (rc != 0)
			return rc;
	}
	rc = sim_mkhi_register(fw);
	if (rc != 0)
		return rc;
	if (fw->st.amt_enabled) { /* LME is absent while AMT is disabled */
		rc = sim_lme_register(fw);
		if (rc != 0)
			return rc;
	}
	/* hello_active is NVM: a simulator restart resumes the sender with a
	 * fresh window and the saved retry count */
	if (fw->st.amt_enabled && fw->st.hello_active &&
	    fw->st.prov_state != AMT_PROVISIONING_POST) {
		sim_me_lock(fw->me);
		rc = sim_hello_start(fw, true);
		sim_me_unlock(fw->me);
	}
	return rc;
}

void sim_fw_apply_faults(struct sim_fw *fw)
{
	struct sim_faults f = {
		.latency_ms = fw->st.latency_ms,
		.busy_connects = fw->st.busy_connects,
		.reset_on_request = fw->st.reset_on_request,
		.reset_count = fw->st.reset_count ? fw->st.reset_count : 1,
		.truncate_cmd = fw->st.truncate_reply,
		.oversize_cmd = fw->st.oversize_reply,
	};
	sim_me_set_faults(fw->me, &f);
}

void sim_fw_shutdown(struct sim_fw *fw)
{
	sim_lme_shutdown(fw);
	sim_cira_shutdown(fw);
	sim_hello_shutdown(fw);
}
