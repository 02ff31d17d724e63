/*
 * calibration.h: a binary classifier's score calibration (mlmon.calibration)
 * read for use row by row (calibration.c).
 */
#ifndef MLMON_CALIBRATION_H
#define MLMON_CALIBRATION_H

#include "postgres.h"

#include "access/htup_details.h"

typedef struct Calibration
{
	int			n;				/* knots */
	double	   *xs;				/* ascending scores */
	double	   *ys;				/* calibrated probabilities */
} Calibration;

/* The knots of a mlmon.calibration value, checked, copied into the current memory context. */
extern void calibration_load(HeapTupleHeader rec, Calibration *c);

#endif
