/* The IPC fast paths for more than one CPU (see ipc_fast.S). */
#define IPC_SMP 1
#include "ipc_fast.S"
