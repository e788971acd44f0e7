# vmm/manager: tsvmm evacuate (the evacuation controller, its simulator, the driver).
VMM_EXTRA_SRCS += $(sort $(wildcard vmm/manager/*.c))
