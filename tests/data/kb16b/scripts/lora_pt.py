import sys, torch
from diffusers import StableDiffusionXLPipeline
pipe = StableDiffusionXLPipeline.from_pretrained(sys.argv[1], torch_dtype=torch.float32, use_safetensors=True)
pipe.load_lora_weights(sys.argv[2])
image = pipe("an astronaut", num_inference_steps=2, height=64, width=64).images[0]
print("ok")
