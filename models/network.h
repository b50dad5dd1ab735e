/*
 * network: one-way latency between clients and the server, a distribution
 * each way. Independent draws per message from the "network" stream.
 */
#ifndef RETRYSIM_NETWORK_H
#define RETRYSIM_NETWORK_H

#include "dist.h"

typedef struct {
    dist_t request;   /* client -> server one-way delay */
    dist_t response;  /* server -> client one-way delay */
    double response_loss; /* probability that the response to a served request is lost, [0, 1] */
} network_cfg_t;


#endif
