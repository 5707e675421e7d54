/**
 * The one system of units of wiregan, after the Wire-Cell toolkit's: a
 * physical literal is written as value times unit (`1.6 * mm / us`), and a
 * stored or printed value is divided by the unit it is stated in.
 *
 * Base units: millimetre, nanosecond, MeV, positron charge. Voltage is
 * therefore MeV per positron charge (1 V = 1e-6), current is e/ns. These are
 * the units of the Wire-Cell data files, so those load without conversion.
 */

// Length.
export const mm = 1;
export const um = 1e-3 * mm;
export const cm = 10 * mm;
export const m = 1000 * mm;

// Time.
export const ns = 1;
export const us = 1000 * ns;
export const ms = 1e6 * ns;
export const s = 1e9 * ns;

// Frequency.
export const Hz = 1 / s;
export const kHz = 1e3 * Hz;
export const MHz = 1e6 * Hz;

// Energy.
export const MeV = 1;
export const keV = 1e-3 * MeV;
export const eV = 1e-6 * MeV;
export const GeV = 1e3 * MeV;

// Charge: the positron charge is the unit; CODATA 2018 exact value.
export const eplus = 1;
export const coulomb = eplus / 1.602176634e-19;
export const fC = 1e-15 * coulomb;

// Electric potential and field: 1 V is 1 eV per positron charge.
export const volt = eV / eplus;
export const mV = 1e-3 * volt;
export const kV = 1e3 * volt;

// Mass and density: the gram is an independent unit here, since nothing in
// the simulation converts mass to energy.
export const gram = 1;
export const g_per_cm3 = gram / (cm * cm * cm);
