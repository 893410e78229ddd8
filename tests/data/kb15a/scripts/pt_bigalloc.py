import torch
# an SDXL-sized latent batch on the CPU: 1024x1024 images need 128x128 latents; a large batch exhausts host RAM
x = torch.randn(64, 4, 128, 128)
attn = torch.randn(64 * 10, 4096, 4096)
print(attn.sum())
