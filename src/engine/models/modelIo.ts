// Saves and loads TensorFlow.js layers models as `model.json` + `weights.bin` without the
// `file://` handlers, which ship only with @tensorflow/tfjs-node. The files are the standard
// layers format, so `tf.loadLayersModel` in any TensorFlow.js can read them.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

const weightsFileName = 'weights.bin';

function joinWeightData(data: tf.io.WeightData | undefined): ArrayBuffer {
  if (data === undefined) {
    return new ArrayBuffer(0);
  }
  return tf.io.CompositeArrayBuffer.join(data);
}

/** Writes `folder/model.json` and `folder/weights.bin`, creating the folder. */
export async function saveModel(model: tf.LayersModel, folder: string): Promise<void> {
  await fs.mkdir(folder, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = joinWeightData(artifacts.weightData);
      const modelJson = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [weightsFileName], weights: artifacts.weightSpecs ?? [] }],
      };
      await fs.writeFile(path.join(folder, weightsFileName), Buffer.from(weightData));
      await fs.writeFile(path.join(folder, 'model.json'), JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
}

interface ModelJson {
  modelTopology?: unknown;
  weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

export class ModelLoadError extends Error {}

/** Reads a layers-format `model.json` and the weight files it lists, resolved beside it. */
export async function loadModel(modelJsonPath: string): Promise<tf.LayersModel> {
  let parsed: ModelJson;
  try {
    parsed = JSON.parse(await fs.readFile(modelJsonPath, 'utf8')) as ModelJson;
  } catch (error) {
    throw new ModelLoadError(`Cannot read the model ${modelJsonPath}: ${(error as Error).message}. Point "teacher.load" at a TensorFlow.js layers model.json.`);
  }
  if (parsed.modelTopology === undefined || !Array.isArray(parsed.weightsManifest)) {
    throw new ModelLoadError(
      `${modelJsonPath} is not a TensorFlow.js layers model: "modelTopology" or "weightsManifest" is missing. ` +
        'Convert Keras models with tensorflowjs_converter --input_format keras --output_format tfjs_layers_model.',
    );
  }

  const folder = path.dirname(modelJsonPath);
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Buffer[] = [];
  for (const group of parsed.weightsManifest) {
    weightSpecs.push(...group.weights);
    for (const file of group.paths) {
      const weightPath = path.join(folder, file);
      try {
        buffers.push(await fs.readFile(weightPath));
      } catch (error) {
        throw new ModelLoadError(`Weight file ${weightPath}, listed in ${modelJsonPath}, cannot be read: ${(error as Error).message}.`);
      }
    }
  }
  const joined = Buffer.concat(buffers);
  const weightData = joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength) as ArrayBuffer;
  try {
    return await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: parsed.modelTopology as tf.io.ModelJSON['modelTopology'], weightSpecs, weightData }),
    );
  } catch (error) {
    throw new ModelLoadError(
      `TensorFlow.js cannot build the model ${modelJsonPath}: ${(error as Error).message}. ` +
        'Check that its weight files belong to this model.json and that it is a layers model (tfjs_layers_model).',
    );
  }
}
