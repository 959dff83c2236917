"""PyTorch 1.13's numbers for the claims of notebook 01 (sections 1 and 6) that the notebook computes in Go.

Run: /usr/bin/python3 notebooks/testdata/check_01_torch.py
Each line prints torch's value; the notebook's cells print lossbook's, and they must agree.
"""
import math

import torch

torch.set_default_dtype(torch.float64)
print("torch", torch.__version__)

# Section 1: logits (z, 0, 0), label 0, z = -6: d CE / dz against d MSE(softmax, onehot) / dz.
z = torch.tensor([[-6.0, 0.0, 0.0]], requires_grad=True)
torch.nn.functional.cross_entropy(z, torch.tensor([0])).backward()
d_ce = z.grad[0, 0].item()
z.grad = None
torch.nn.functional.mse_loss(torch.softmax(z, -1), torch.tensor([[1.0, 0.0, 0.0]])).backward()
print(f"z=-6: dCE/dz = {d_ce:.4f}, dMSE(softmax, onehot)/dz = {z.grad[0, 0].item():.4f}")

# Section 6: soft-target CE = H(p) + KL(p||q), same gradient (q - p)/N.
p = torch.tensor([[0.7, 0.2, 0.1], [0.0, 0.5, 0.5]])
x = torch.tensor([[1.0, 0.5, -0.5], [0.2, 0.1, 0.0]], requires_grad=True)
ce = torch.nn.functional.cross_entropy(x, p)
(g_ce,) = torch.autograd.grad(ce, x)
kl = torch.nn.KLDivLoss(reduction="batchmean")(torch.log_softmax(x, -1), p)
(g_kl,) = torch.autograd.grad(kl, x)
h = -(p * torch.where(p > 0, p.log(), torch.zeros_like(p))).sum(-1).mean()
q = torch.softmax(x, -1)
print(f"CE {ce.item():.12f} = H(p) {h.item():.12f} + KL(p‖q) {kl.item():.12f} = {(h + kl).item():.12f}")
print(f"max |dCE/dx - dKL/dx| = {(g_ce - g_kl).abs().max().item():.2g}, "
      f"max |dCE/dx - (q - p)/N| = {(g_ce - (q - p) / 2).abs().max().item():.2g}")

# Section 6: KL is asymmetric; KLDivLoss(input=log q, target=p) is KL(p||q).
log_q = torch.log_softmax(x, -1).detach()
fwd = torch.nn.KLDivLoss(reduction="none")(log_q, p).sum(-1)
rev = torch.nn.KLDivLoss(reduction="none")(p.log(), log_q.exp()).sum(-1)
print("KL(p‖q) per row", [f"{v:.4f}" for v in fwd.tolist()], " KL(q‖p) per row", [f"{v:.4f}" for v in rev.tolist()])

# Perplexity of a uniform model over V tokens is V: exp(CE of zero logits).
for v in (302, 2002):
    ce_uniform = torch.nn.functional.cross_entropy(torch.zeros(5, v), torch.tensor([0, 1, 2, 3, 4]))
    print(f"uniform over {v}: CE {ce_uniform.item():.4f}, perplexity {math.exp(ce_uniform.item()):.1f}")

# training.Adam's doc: torch's AdamW shrinks θ by lr·λ per step (the paper's η_t·λ): lr 1e-3 with weight_decay 0.1
# is the paper's λ = 1e-4 at η_t = 1; the default weight_decay 0.01 at lr 1e-3 shrinks by 1e-5.
for wd in (0.1, 0.01):
    theta = torch.nn.Parameter(torch.tensor([1.0]))
    opt = torch.optim.AdamW([theta], lr=1e-3, weight_decay=wd)
    theta.grad = torch.zeros(1)
    opt.step()
    print(f"AdamW lr 1e-3, weight_decay {wd}, zero gradient: θ 1 -> {theta.item():.6f} (shrink {1 - theta.item():.1e})")
