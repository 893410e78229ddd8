# Code of the blog post https://hwcomputing.csdn.net/6a13ae33662f9a54cb76d4cd.html, copied verbatim: the
# torch_npu + diffusers Stable Diffusion script users copy. Used by the --script lint tests.
import torch
import torch.nn as nn
from dataclasses import dataclass
from typing import Optional, List
import numpy as np
import time
from diffusers import StableDiffusionPipeline, UNet2DConditionModel, AutoencoderKL
from transformers import CLIPTextModel, CLIPTokenizer
from diffusers import PNDMScheduler

@dataclass
class SDConfig:
    model_version: str = "runwayml/stable-diffusion-v1-5"
    num_inference_steps: int = 20
    guidance_scale: float = 7.5
    image_size: int = 512
    device: str = "npu:0"
    
    # 关键优化开关
    use_amp: bool = True           # FP16推理 (必开)
    use_memory_efficient_attention: bool = True # xformers/FlashAttention
    enable_vae_tiling: bool = True   # VAE分块解码 (省显存)
    enable_unet_slicing: bool = True # UNet切片 (省显存)
    compile_model: bool = True       # torch.compile (NPU专属优化)

class AscendStableDiffusion:
    def __init__(self, config: SDConfig):
        self.config = config
        self.device = config.device
        
        print(f"🚀 初始化 Stable Diffusion on Ascend NPU...")
        print(f"  设备: {self.device}")
        print(f"  精度: {'FP16' if config.use_amp else 'FP32'}")
        
        # 设置NPU环境
        torch.npu.set_device(0)
        torch.npu.set_benchmark_mode(True)
        
        self.tokenizer = None
        self.text_encoder = None
        self.unet = None
        self.vae = None
        self.scheduler = None
    
    def load_models(self):
        """加载并优化模型"""
        print("\n=== 加载模型 ===")
        
        # 1. 加载Tokenizer & CLIP Text Encoder
        print("Loading CLIP Text Encoder...")
        self.tokenizer = CLIPTokenizer.from_pretrained(
            self.config.model_version, subfolder="tokenizer"
        )
        self.text_encoder = CLIPTextModel.from_pretrained(
            self.config.model_version, subfolder="text_encoder"
        ).to(self.device).eval()
        
        # 冻结CLIP参数
        for param in self.text_encoder.parameters():
            param.requires_grad = False
            
        if self.config.use_amp:
            self.text_encoder = self.text_encoder.half()
        
        # 2. 加载UNet (核心瓶颈)
        print("Loading UNet...")
        self.unet = UNet2DConditionModel.from_pretrained(
            self.config.model_version, subfolder="unet"
        ).to(self.device).eval()
        
        if self.config.use_amp:
            self.unet = self.unet.half()
            
        # 启用UNet优化 (如果支持)
        if self.config.enable_unet_slicing:
            self.unet.enable_attention_slicing()
            
        # 3. 加载VAE Decoder
        print("Loading VAE Decoder...")
        self.vae = AutoencoderKL.from_pretrained(
            self.config.model_version, subfolder="vae"
        ).to(self.device).eval()
        
        if self.config.use_amp:
            self.vae = self.vae.half()
            
        if self.config.enable_vae_tiling:
            self.vae.enable_tiling()
            
        # 4. 加载调度器
        print("Loading Scheduler...")
        self.scheduler = PNDMScheduler.from_pretrained(
            self.config.model_version, subfolder="scheduler"
        )
        self.scheduler.set_timesteps(self.config.num_inference_steps)
        
        total_params = sum(p.numel() for p in self.text_encoder.parameters()) + \
                       sum(p.numel() for p in self.unet.parameters()) + \
                       sum(p.numel() for p in self.vae.parameters())
        print(f"\n✅ 模型加载完成,总参数量: {total_params / 1e6:.2f}M")
        
        # 尝试编译UNet (NPU性能提升关键)
        if self.config.compile_model:
            print("⚡ 正在编译 UNet (torch.compile)...")
            try:
                self.unet = torch.compile(self.unet, mode="max-autotune", backend="ascend")
                print("   UNet编译成功!")
            except Exception as e:
                print(f"   编译失败 (可能是版本问题), 使用原生模式: {e}")

    @torch.no_grad()
    def generate(self, prompt: str, seed: Optional[int] = None) -> np.ndarray:
        """
        生成图像主流程
        
        流程:
          1. 编码Prompt (CLIP)
          2. 迭代去噪 (UNet)
          3. 解码潜变量 (VAE)
        """
        if seed is not None:
            torch.manual_seed(seed)
            torch.npu.manual_seed(seed)
            
        t_start = time.time()
        
        # --- Step 1: 文本编码 ---
        t1 = time.time()
        text_input = self.tokenizer(
            prompt, padding="max_length", max_length=77, 
            truncation=True, return_tensors="pt"
        ).input_ids.to(self.device)
        
        with torch.npu.amp.autocast(enabled=self.config.use_amp):
            text_embeddings = self.text_encoder(text_input)[0]
        
        # CFG (Classifier-Free Guidance)
        uncond_input = self.tokenizer(
            "", padding="max_length", max_length=77, 
            truncation=True, return_tensors="pt"
        ).input_ids.to(self.device)
        
        with torch.npu.amp.autocast(enabled=self.config.use_amp):
            uncond_embeddings = self.text_encoder(uncond_input)[0]
            
        text_embeddings = torch.cat([uncond_embeddings, text_embeddings])
        t_clip = time.time() - t1
        
        # --- Step 2: UNet 迭代去噪 (核心瓶颈) ---
        t2 = time.time()
        latents = self._denoise_loop(text_embeddings)
        t_unet = time.time() - t2
        
        # --- Step 3: VAE 解码 ---
        t3 = time.time()
        with torch.npu.amp.autocast(enabled=self.config.use_amp):
            image_latents = latents / self.vae.config.scaling_factor
            decoded_image = self.vae.decode(image_latents).sample
        t_vae = time.time() - t3
        
        # Post-processing
        image = (decoded_image / 2 + 0.5).clamp(0, 1)
        image = image.cpu().permute(0, 2, 3, 1).numpy()
        
        total_time = time.time() - t_start
        print(f"\n🎨 生成完成:")
        print(f"  总耗时: {total_time*1000:.1f}ms")
        print(f"  CLIP: {t_clip*1000:.1f}ms | UNet: {t_unet*1000:.1f}ms | VAE: {t_vae*1000:.1f}ms")
        
        return image[0]

    def _denoise_loop(self, text_embeddings: torch.Tensor) -> torch.Tensor:
        """
        UNet 迭代去噪
        
        优化策略:
          1. 复用噪声缓冲区
          2. 混合精度推理
          3. 避免不必要的梯度计算
        """
        batch_size = text_embeddings.shape[0] // 2
        latent_channels = self.unet.config.in_channels
        height = width = self.config.image_size // 8
        
        # 初始化噪声
        noise = torch.randn((batch_size, latent_channels, height, width), device=self.device)
        
        self.scheduler.set_timesteps(self.config.num_inference_steps)
        
        for i, t in enumerate(self.scheduler.timesteps):
            # 扩展噪声以匹配CFG
            latent_model_input = torch.cat([noise] * 2)
            
            # 预测噪声残差
            with torch.npu.amp.autocast(enabled=self.config.use_amp):
                noise_pred = self.unet(
                    latent_model_input, t, encoder_hidden_states=text_embeddings
                ).sample
            
            # 执行CFG
            noise_pred_uncond, noise_pred_text = noise_pred.chunk(2)
            noise_pred = noise_pred_uncond + self.config.guidance_scale * (noise_pred_text - noise_pred_uncond)
            
            # 调度器更新
            noise = self.scheduler.step(noise_pred, t, noise).prev_sample
            
            # 可选:每10步打印进度
            if (i + 1) % 10 == 0:
                print(f"  去噪进度: {i+1}/{self.config.num_inference_steps}")
                
        return noise
