import assert from 'node:assert/strict';

import { ELECTRON_MASS } from '../../sim/bethe.js';
import { Rng } from '../../sim/random.js';
import type { Vec3 } from '../../sim/scattering.js';
import {
  DEFAULT_SHOWER,
  developShower,
  type ChargedTransport,
  type ShowerParticle,
} from '../../sim/showers.js';
import { MeV, mm } from '../../sim/units.js';

/** Energy loss of the stand-in transport: a constant 0.2 MeV/mm. */
const LOSS = 0.2 * (MeV / mm);

/** A transport that loses LOSS per mm in a straight line, and a ledger of it. */
function ledgerTransport() {
  const ledger = { deposited: 0, tracks: 0, kinds: new Set<string>() };
  const transport: ChargedTransport = (p, maxLength) => {
    const length = Math.min(maxLength, p.energy / LOSS);
    const lost = length * LOSS;
    ledger.deposited += lost;
    ledger.tracks++;
    ledger.kinds.add(p.kind);
    const position: Vec3 = [
      p.position[0] + length * p.direction[0],
      p.position[1] + length * p.direction[1],
      p.position[2] + length * p.direction[2],
    ];
    const energy = p.energy - lost;
    return { position, direction: p.direction, energy, time: p.time, exited: false };
  };
  return { ledger, transport };
}

const seed = (kind: ShowerParticle['kind'], energy: number): ShowerParticle => ({
  kind,
  position: [0, 0, 0],
  direction: [0, 0, 1],
  energy,
  time: 0,
});

describe('showers: toy electromagnetic cascade', () => {
  it('energy is conserved: deposited + not followed = the seed energy (1e-9)', () => {
    for (const [kind, energy] of [
      ['e-', 2000],
      ['gamma', 500],
    ] as const) {
      const { ledger, transport } = ledgerTransport();
      const lost = developShower(
        seed(kind, energy),
        transport,
        () => true,
        DEFAULT_SHOWER,
        new Rng(5),
      );

      assert.ok(Math.abs(ledger.deposited + lost - energy) < 1e-9 * energy, `${kind}`);
      assert.ok(ledger.kinds.has('e+') && ledger.kinds.has('e-'));
    }
  });

  it('what is not followed is 2 m_e per conversion and sub-cut photons', () => {
    const { ledger, transport } = ledgerTransport();
    const lost = developShower(
      seed('gamma', 1000),
      transport,
      () => true,
      DEFAULT_SHOWER,
      new Rng(6),
    );

    // Few percent: tens of conversions at 1.022 MeV each.
    assert.ok(lost > 2 * ELECTRON_MASS && lost < 0.05 * 1000, `${lost}`);
    assert.ok(ledger.tracks > 20, `${ledger.tracks}`);
  });

  it('an electron below the critical energy only ranges out, in one track', () => {
    const { ledger, transport } = ledgerTransport();
    const lost = developShower(seed('e-', 20), transport, () => true, DEFAULT_SHOWER, new Rng(7));

    assert.equal(lost, 0);
    assert.equal(ledger.tracks, 1);
    assert.ok(Math.abs(ledger.deposited - 20) < 1e-12);
  });

  it('drops photons under the cut and photons that leave the volume', () => {
    const { ledger, transport } = ledgerTransport();
    const soft = developShower(
      seed('gamma', 0.05),
      transport,
      () => true,
      DEFAULT_SHOWER,
      new Rng(8),
    );
    const escaped = developShower(
      seed('gamma', 100),
      transport,
      () => false,
      DEFAULT_SHOWER,
      new Rng(8),
    );

    assert.equal(soft, 0.05);
    assert.equal(escaped, 100);
    assert.equal(ledger.tracks, 0);
  });
});
