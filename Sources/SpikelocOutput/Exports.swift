// The safetensors reader and writer live in their own module (product `Safetensors`, no
// dependencies); `import SpikelocOutput` still brings `Safetensors` and `SafetensorsError`.
@_exported import Safetensors
