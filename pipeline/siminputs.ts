/**
 * Loads what a simulation run needs once: the detector's field responses
 * for both domains, the noise spectra and the depo file, as the resolved
 * config names them. The only step of the simulation that reads files.
 */
import { depoPlacement, parseDepoFile } from '../sim/depofile.js';
import type { Detector } from '../sim/detector.js';
import { wireLength } from '../sim/detector.js';
import { ConfigError } from '../sim/errors.js';
import type { EventInputs } from '../sim/event.js';
import { parseFieldResponse } from '../sim/fieldresponse.js';
import {
  builtinPlaneNoiseSpectrum,
  parseNoiseSpectra,
  scaleNoiseSpectrum,
  wireCellNoiseSpectrum,
  type NoiseSpectrum,
} from '../sim/noise.js';
import { domainResponses, type SourcedFieldResponse } from '../sim/planeresponse.js';
import type { SimConfig } from '../sim/simconfig.js';
import { readJsonFile } from './jsonfile.js';

/** Reads and builds the run-wide inputs of `simulateEvent`. */
export function loadEventInputs(detector: Detector, config: SimConfig): EventInputs {
  checkSourceConfig(config);
  const responses = planeResponses(detector, config);
  const noise = config.noise.enabled ? noiseSpectra(detector, config) : null;
  const depoEvent =
    config.source.kind === 'depos'
      ? parseDepoFile(
          readJsonFile(config.source.depoFile),
          config.source.depoFile,
          depoPlacement(config.source.placement, detector),
        )
      : null;
  return { detector, config, responses, noise, depoEvent };
}

function checkSourceConfig(config: SimConfig): void {
  const kinds = ['particles', 'lines', 'depos'];
  if (!kinds.includes(config.source.kind)) {
    throw new ConfigError(
      `source.kind must be one of ${kinds.join(', ')}, got "${config.source.kind}"`,
    );
  }
  if (config.source.kind === 'depos' && !config.source.depoFile) {
    throw new ConfigError('source.kind "depos" needs a depo file (--depo-file)');
  }
  if (!['as-is', 'centre'].includes(config.source.placement)) {
    throw new ConfigError(
      `source.placement must be as-is or centre, got "${config.source.placement}"`,
    );
  }
}

function loadField(path: string): SourcedFieldResponse {
  return { response: parseFieldResponse(readJsonFile(path), path), source: path };
}

function planeResponses(detector: Detector, config: SimConfig) {
  const { multiwire, nearest } = config.field;
  const b = multiwire === 'builtin' ? undefined : loadField(multiwire);
  const a = nearest === 'same' ? b : loadField(nearest);
  const options = {
    impactsPerWire: config.raster.impactsPerWire,
    wireReach: 10,
  };
  return detector.planes.map((plane) =>
    domainResponses(
      detector,
      plane.index,
      { multiwire: b, nearest: a },
      config.electronics,
      options,
    ),
  );
}

function noiseSpectra(detector: Detector, config: SimConfig): NoiseSpectrum[] {
  const { noise, digitizer } = config;
  if (noise.source === 'builtin') {
    return detector.planes.map((plane) =>
      builtinPlaneNoiseSpectrum(plane, detector.ticks, detector.tick, noise, digitizer),
    );
  }
  const spectra = parseNoiseSpectra(readJsonFile(noise.source), noise.source);
  return detector.planes.map((plane) => {
    const length = wireLength(detector, plane);
    const spectrum = wireCellNoiseSpectrum(
      spectra,
      plane.index,
      length,
      detector.ticks,
      detector.tick,
    );
    return scaleNoiseSpectrum(spectrum, noise.scale);
  });
}
