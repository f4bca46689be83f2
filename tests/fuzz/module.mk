# Sources each fuzz target links besides its own .c (the Makefile's fuzz rule
# uses FUZZ_SRCS_<target>, falling back to loader/*.c, and FUZZ_LIBS_<target>).
FUZZ_SRCS_fuzz_fwcfg_dma := board/fw_cfg.c board/memory.c board/bus.c board/log.c
FUZZ_LIBS_fuzz_fwcfg_dma :=
FUZZ_SRCS_fuzz_virtqueue := board/virtqueue.c board/virtio.c board/memory.c board/log.c
FUZZ_LIBS_fuzz_virtqueue := -lpthread
