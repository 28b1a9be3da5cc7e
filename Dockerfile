# The image compose.yaml runs: the app, the workers and the one-off commands (docs/deploy.md).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PIP_NO_CACHE_DIR=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
# torch first and pinned, the CPU build: an unpinned torch drags in a multi-GB CUDA build
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
WORKDIR /srv/claims
COPY pyproject.toml README.md ./
COPY claims ./claims
COPY store ./store
COPY core ./core
COPY app.py ./
COPY app_pages ./app_pages
COPY .streamlit ./.streamlit
RUN pip install -e .   # editable: `claims serve` finds app.py beside the package
RUN useradd --create-home claims && mkdir -p /data && chown claims /data
USER claims
ENV CLAIMS_HOME=/data
EXPOSE 8501
CMD ["claims", "serve", "--host", "0.0.0.0", "--port", "8501"]
