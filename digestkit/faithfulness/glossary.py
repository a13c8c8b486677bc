"""A small English <-> Japanese/Chinese glossary of research terms, for alignment only.

A Japanese or Chinese summary sentence shares no words with its English source, only
names and numbers; a sentence with neither ("训练稳定性是核心难题") could not be aligned, so
its claims went unchecked. These few dozen terms, the vocabulary of ML abstracts, let such
a sentence find the source sentence it restates. They are never used to judge a claim,
only to decide which source sentence to judge it against; a missing term costs a check,
never a false flag on its own.
"""

from __future__ import annotations

from functools import lru_cache

from digestkit.faithfulness._text import stem

__all__ = ["GLOSSARY", "cjk_terms"]

# English word: Japanese and Chinese renderings (substrings).
_TERMS = """
train: 訓練 学習 训练
stable: 安定 稳定
stability: 安定 稳定
attention: 注意 アテンション 注意力
sparse: スパース 稀疏
sparsity: スパース 稀疏
linear: 線形 线性
diffusion: 拡散 扩散
video: 動画 ビデオ 视频
speedup: 高速化 加速
accelerate: 高速化 加速
quality: 品質 质量
generation: 生成
reasoning: 推論 推理
inference: 推論 推理
model: モデル 模型
language: 言語 语言
benchmark: ベンチマーク 基准
mathematical: 数学
policy: ポリシー 方策 策略
reinforcement: 強化学習 强化学习
sample: サンプリング 采样
sampling: サンプリング 采样
efficiency: 効率 效率
efficient: 効率 高效
accuracy: 精度 正答率 准确率 准确
error: 誤差 误差
data: データ 数据
agent: エージェント 智能体 代理
memory: メモリ 記憶 内存 记忆
communication: 通信
expert: エキスパート 专家
routing: ルーティング 路由
router: ルーター 路由器
token: トークン
quantization: 量子化 量化
fine-tuning: ファインチューニング 微调
distillation: 蒸留 蒸馏
variance: 分散 方差
normalization: 正規化 归一化
weight: 重み 权重
kernel: カーネル 核函数
asynchronous: 非同期 异步
staleness: 陳腐化 陈旧
collapse: 崩壊 崩溃
variational: 変分 变分
mask: マスク 掩码
masking: マスキング 掩码
platform: プラットフォーム 平台
open-source: オープンソース 开源
state-of-the-art: 最先端 最高性能 最佳 最先进
privacy: プライバシー 隐私
leakage: 漏洩 泄露
dialogue: 対話 对话
context: 文脈 コンテキスト 上下文
persona: ペルソナ 人设 角色
robust: ロバスト 頑健 鲁棒
robustness: ロバスト 頑健 鲁棒
latency: 遅延 延迟
cost: コスト 成本 开销
parallel: 並列 并行
compute: 計算 计算
computation: 計算 计算
image: 画像 图像
text: テキスト 文本
code: コード 代码
safety: 安全
alignment: アラインメント 对齐
retrieval: 検索 检索
graph: グラフ 图结构 图神经
"""


def _parse() -> dict[str, tuple[str, ...]]:
    table = {}
    for line in _TERMS.strip().splitlines():
        english, renderings = line.split(":")
        table[stem(english.strip())] = tuple(renderings.split())
    return table


GLOSSARY = _parse()
"""English stem -> its Japanese and Chinese renderings."""


@lru_cache(maxsize=4096)
def cjk_terms(text: str) -> frozenset[str]:
    """The English stems whose rendering occurs in ``text``.

    >>> sorted(cjk_terms("训练稳定性是核心难题"))
    ['stabil', 'stabl', 'train']
    """
    return frozenset(en for en, words in GLOSSARY.items() if any(w in text for w in words))
