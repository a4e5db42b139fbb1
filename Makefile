.PHONY: serve test install
serve:
	./scripts/serve.sh
test:
	./scripts/test.sh
install:
	./scripts/install.sh --dev
