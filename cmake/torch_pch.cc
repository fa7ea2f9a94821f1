// Anchor for the precompiled <torch/torch.h> that every LibTorch target reuses.
int captioner_torch_pch_anchor = 0;
