/*
 * sim_fw.c - wiring of the simulated firmware (see sim_fw.h).
 */
#include "sim_fw.h"

#include "log.h"
#include "sim_lme.h"

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
	if (rc != 0 || !fw->st.amt_enabled) /* LME is absent while AMT is disabled */
		return rc;
	return sim_lme_register(fw);
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

int sim_fw_save(struct sim_fw *fw)
{
	int rc = sim_state_save(&fw->st, fw->state_path);
	if (rc != 0)
		log_error("cannot save state to %s: error %d", fw->state_path, -rc);
	return rc;
}
