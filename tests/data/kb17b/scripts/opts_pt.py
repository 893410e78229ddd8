import sys, torch
from diffusers import StableDiffusionXLPipeline
model = sys.argv[1]
pipe = StableDiffusionXLPipeline.from_pretrained(model, torch_dtype=torch.float32, use_safetensors=True)
for call in sys.argv[2:]:
    print("calling", call)
    eval("pipe." + call)
image = pipe("an astronaut riding a horse", num_inference_steps=2, height=64, width=64).images[0]
image.save("out.png")
print("saved out.png")
