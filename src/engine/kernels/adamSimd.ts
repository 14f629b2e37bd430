// The Adam step of ADAM_UPDATE as a small WebAssembly SIMD function that works on the threaded
// wasm build's shared memory. A JavaScript loop spends most of its time in 3 scalar divisions
// and a square root per element; f32x4 does 4 lanes at once. Each f32x4 operation rounds like
// the scalar float32 operation, so the results equal the JavaScript loop's bit for bit.
//
// The module is assembled here from its bytes (the layout below follows the WebAssembly 2.0
// binary format), because the project has no WebAssembly toolchain. It imports the memory as
// env.memory, shared, with a maximum of 65536 pages, which is how tfjs-backend-wasm 4.22's
// threaded build creates it.

/** Runs the vector part of one Adam step: `count` elements, a multiple of 4, at byte offsets. */
export type AdamSimdStep = (
  value: number,
  firstMoment: number,
  secondMoment: number,
  gradient: number,
  newValue: number,
  newFirst: number,
  newSecond: number,
  count: number,
  beta1: number,
  beta2: number,
  oneMinusBeta1: number,
  oneMinusBeta2: number,
  firstCorrection: number,
  secondCorrection: number,
  epsilon: number,
  minusLearningRate: number,
) => void;

// The project's TypeScript lib settings leave out the WebAssembly declarations.
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => unknown;
  Instance: new (module: unknown, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => unknown;
}
const webAssembly = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

const stepsByMemory = new WeakMap<object, AdamSimdStep>();

/** Returns the SIMD step bound to `memory`, a shared WebAssembly.Memory, compiling it once per memory. */
export function adamSimdStepFor(memory: object): AdamSimdStep {
  let step = stepsByMemory.get(memory);
  if (step === undefined) {
    const instance = new webAssembly.Instance(new webAssembly.Module(adamModuleBytes()), { env: { memory } });
    step = instance.exports.adam as AdamSimdStep;
    stepsByMemory.set(memory, step);
  }
  return step;
}

// Opcodes (WebAssembly 2.0 with fixed-width SIMD).
const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;
const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const I32_CONST = 0x41;
const I32_ADD = 0x6a;
const I32_MUL = 0x6c;
const I32_GE_U = 0x4f;
const BLOCK = 0x02;
const LOOP = 0x03;
const BR = 0x0c;
const BR_IF = 0x0d;
const END = 0x0b;
const EMPTY = 0x40;
const SIMD = 0xfd;
const V128_LOAD = [SIMD, 0x00, 0x00, 0x00];
const V128_STORE = [SIMD, 0x0b, 0x00, 0x00];
const F32X4_SPLAT = [SIMD, 0x13];
const F32X4_SQRT = [SIMD, 0xe3, 0x01];
const F32X4_ADD = [SIMD, 0xe4, 0x01];
const F32X4_MUL = [SIMD, 0xe6, 0x01];
const F32X4_DIV = [SIMD, 0xe7, 0x01];

// Parameters 0-7 are i32 (seven byte offsets and the count), 8-15 f32 (the constants).
const [W, M, V, G, W_OUT, M_OUT, V_OUT, COUNT] = [0, 1, 2, 3, 4, 5, 6, 7];
const [BETA1, BETA2, ONE_MINUS_BETA1, ONE_MINUS_BETA2, CORRECTION1, CORRECTION2, EPSILON, MINUS_RATE] = [8, 9, 10, 11, 12, 13, 14, 15];
// Locals: i32 16-17 (byte position, end), v128 18-25 (the splatted constants), v128 26-28.
const [POSITION, END_POSITION] = [16, 17];
const SPLAT_BASE = 18;
const [GRADIENT, FIRST, SECOND] = [26, 27, 28];

function get(index: number): number[] {
  return [LOCAL_GET, index];
}

function set(index: number): number[] {
  return [LOCAL_SET, index];
}

/** Pushes base + position, the address of the current 4 elements of one array. */
function address(base: number): number[] {
  return [...get(base), ...get(POSITION), I32_ADD];
}

function adamBody(): number[] {
  const splats = [BETA1, BETA2, ONE_MINUS_BETA1, ONE_MINUS_BETA2, CORRECTION1, CORRECTION2, EPSILON, MINUS_RATE].flatMap((parameter, i) => [
    ...get(parameter),
    ...F32X4_SPLAT,
    ...set(SPLAT_BASE + i),
  ]);
  const splat = (parameter: number): number[] => get(SPLAT_BASE + parameter - BETA1);

  return [
    // end = count * 4 bytes
    ...get(COUNT), I32_CONST, 4, I32_MUL, ...set(END_POSITION),
    ...splats,
    BLOCK, EMPTY,
    LOOP, EMPTY,
    ...get(POSITION), ...get(END_POSITION), I32_GE_U, BR_IF, 1,
    // g
    ...address(G), ...V128_LOAD, ...set(GRADIENT),
    // m' = m·β1 + g·(1 − β1)
    ...address(M), ...V128_LOAD, ...splat(BETA1), ...F32X4_MUL,
    ...get(GRADIENT), ...splat(ONE_MINUS_BETA1), ...F32X4_MUL, ...F32X4_ADD, ...set(FIRST),
    // v' = v·β2 + (g·g)·(1 − β2)
    ...address(V), ...V128_LOAD, ...splat(BETA2), ...F32X4_MUL,
    ...get(GRADIENT), ...get(GRADIENT), ...F32X4_MUL, ...splat(ONE_MINUS_BETA2), ...F32X4_MUL, ...F32X4_ADD, ...set(SECOND),
    ...address(M_OUT), ...get(FIRST), ...V128_STORE,
    ...address(V_OUT), ...get(SECOND), ...V128_STORE,
    // w' = ((m' / c1) / (√(v' / c2) + ε)) · (−lr) + w
    ...address(W_OUT),
    ...get(FIRST), ...splat(CORRECTION1), ...F32X4_DIV,
    ...get(SECOND), ...splat(CORRECTION2), ...F32X4_DIV, ...F32X4_SQRT, ...splat(EPSILON), ...F32X4_ADD,
    ...F32X4_DIV,
    ...splat(MINUS_RATE), ...F32X4_MUL,
    ...address(W), ...V128_LOAD, ...F32X4_ADD,
    ...V128_STORE,
    // position += 16 bytes
    ...get(POSITION), I32_CONST, 16, I32_ADD, ...set(POSITION),
    BR, 0,
    END,
    END,
    END,
  ];
}

function unsignedLeb(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  do {
    let byte = rest & 0x7f;
    rest >>>= 7;
    if (rest !== 0) {
      byte |= 0x80;
    }
    bytes.push(byte);
  } while (rest !== 0);
  return bytes;
}

function section(id: number, contents: number[]): number[] {
  return [id, ...unsignedLeb(contents.length), ...contents];
}

function name(text: string): number[] {
  const bytes = [...Buffer.from(text, 'utf8')];
  return [...unsignedLeb(bytes.length), ...bytes];
}

function adamModuleBytes(): Uint8Array {
  const parameters = [...Array(8).fill(I32), ...Array(8).fill(F32)];
  const type = [0x01, 0x60, ...unsignedLeb(parameters.length), ...parameters, 0x00];
  // Shared memory limits: flag 0x03, minimum 0 pages, maximum 65536 pages.
  const memoryImport = [0x01, ...name('env'), ...name('memory'), 0x02, 0x03, 0x00, ...unsignedLeb(65536)];
  const body = [0x02, 0x02, I32, 0x0b, V128, ...adamBody()];
  const code = [0x01, ...unsignedLeb(body.length), ...body];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, type),
    ...section(2, memoryImport),
    ...section(3, [0x01, 0x00]),
    ...section(7, [0x01, ...name('adam'), 0x00, 0x00]),
    ...section(10, code),
  ]);
}
