<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
<context>
    <name>Curves</name>
    <message>
        <location filename="../curves.py" line="24" />
        <source>train loss</source>
        <translation>训练损失</translation>
    </message>
    <message>
        <location filename="../curves.py" line="24" />
        <source>train accuracy</source>
        <translation>训练准确率</translation>
    </message>
    <message>
        <location filename="../curves.py" line="25" />
        <source>val AUC</source>
        <translation>验证 AUC</translation>
    </message>
    <message>
        <location filename="../curves.py" line="25" />
        <source>val loss</source>
        <translation>验证损失</translation>
    </message>
    <message>
        <location filename="../curves.py" line="28" />
        <source>Training curves</source>
        <translation>训练曲线</translation>
    </message>
    <message>
        <location filename="../curves.py" line="94" />
        <source>epoch</source>
        <translation>轮次</translation>
    </message>
    <message>
        <location filename="../curves.py" line="98" />
        <source>value</source>
        <translation>数值</translation>
    </message>
    <message>
        <location filename="../curves.py" line="117" />
        <source>Curves appear after the first epoch.</source>
        <translation>第一轮结束后显示曲线。</translation>
    </message>
</context>
<context>
    <name>Export</name>
    <message>
        <location filename="../export.py" line="55" />
        <source>Chest X-ray report</source>
        <translation>胸部 X 光报告</translation>
    </message>
    <message>
        <location filename="../export.py" line="71" />
        <source>COVID-19</source>
        <translation>COVID-19</translation>
    </message>
    <message>
        <location filename="../export.py" line="71" />
        <source>Normal</source>
        <translation>正常</translation>
    </message>
    <message>
        <location filename="../export.py" line="72" />
        <source>no prediction</source>
        <translation>无预测</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../window.py" line="46" />
        <location filename="../window.py" line="383" />
        <source>loading model…</source>
        <translation>正在加载模型…</translation>
    </message>
    <message>
        <location filename="../window.py" line="91" />
        <source>All labels</source>
        <translation>全部标签</translation>
    </message>
    <message>
        <location filename="../window.py" line="91" />
        <location filename="../window.py" line="300" />
        <source>COVID-19</source>
        <translation>COVID-19</translation>
    </message>
    <message>
        <location filename="../window.py" line="91" />
        <location filename="../window.py" line="300" />
        <source>Normal</source>
        <translation>正常</translation>
    </message>
    <message>
        <location filename="../window.py" line="94" />
        <source>Any status</source>
        <translation>任何状态</translation>
    </message>
    <message>
        <location filename="../window.py" line="94" />
        <source>ok</source>
        <translation>已判读</translation>
    </message>
    <message>
        <location filename="../window.py" line="94" />
        <source>rejected</source>
        <translation>已拒绝</translation>
    </message>
    <message>
        <location filename="../window.py" line="95" />
        <source>error</source>
        <translation>错误</translation>
    </message>
    <message>
        <location filename="../window.py" line="97" />
        <source>Filter by file, folder, message or patient ID</source>
        <translation>按文件、文件夹、消息或患者 ID 筛选</translation>
    </message>
    <message>
        <location filename="../window.py" line="99" />
        <source>Decision threshold on P(COVID); the model's own is set on validation data</source>
        <translation>P(COVID) 的判定阈值；模型自带的阈值在验证集上设定</translation>
    </message>
    <message>
        <location filename="../window.py" line="105" />
        <source>Model's threshold</source>
        <translation>模型阈值</translation>
    </message>
    <message>
        <location filename="../window.py" line="110" />
        <source>Threshold</source>
        <translation>阈值</translation>
    </message>
    <message>
        <location filename="../window.py" line="137" />
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location filename="../window.py" line="138" />
        <source>Open files…</source>
        <translation>打开文件…</translation>
    </message>
    <message>
        <location filename="../window.py" line="139" />
        <source>Open folder…</source>
        <translation>打开文件夹…</translation>
    </message>
    <message>
        <location filename="../window.py" line="141" />
        <source>Export CSV…</source>
        <translation>导出 CSV…</translation>
    </message>
    <message>
        <location filename="../window.py" line="142" />
        <source>Export PDF report of the selected images…</source>
        <translation>导出所选图像的 PDF 报告…</translation>
    </message>
    <message>
        <location filename="../window.py" line="143" />
        <source>Anonymise exports</source>
        <translation>匿名化导出</translation>
    </message>
    <message>
        <location filename="../window.py" line="147" />
        <source>Forget stored results before…</source>
        <translation>删除此日期之前保存的结果…</translation>
    </message>
    <message>
        <location filename="../window.py" line="148" />
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <location filename="../window.py" line="149" />
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location filename="../window.py" line="150" />
        <source>Heat map</source>
        <translation>热力图</translation>
    </message>
    <message>
        <location filename="../window.py" line="153" />
        <source>Invert</source>
        <translation>反相</translation>
    </message>
    <message>
        <location filename="../window.py" line="154" />
        <source>Fit</source>
        <translation>适应窗口</translation>
    </message>
    <message>
        <location filename="../window.py" line="155" />
        <source>Actual size</source>
        <translation>实际大小</translation>
    </message>
    <message>
        <location filename="../window.py" line="156" />
        <source>Reset window/level</source>
        <translation>重置窗宽/窗位</translation>
    </message>
    <message>
        <location filename="../window.py" line="158" />
        <source>Next rows</source>
        <translation>向下翻页</translation>
    </message>
    <message>
        <location filename="../window.py" line="158" />
        <source>Previous rows</source>
        <translation>向上翻页</translation>
    </message>
    <message>
        <location filename="../window.py" line="159" />
        <source>&amp;Model</source>
        <translation>模型(&amp;M)</translation>
    </message>
    <message>
        <location filename="../window.py" line="160" />
        <source>Open bundle…</source>
        <translation>打开模型包…</translation>
    </message>
    <message>
        <location filename="../window.py" line="161" />
        <source>Use the bundled default model</source>
        <translation>使用内置默认模型</translation>
    </message>
    <message>
        <location filename="../window.py" line="162" />
        <source>About this model…</source>
        <translation>关于此模型…</translation>
    </message>
    <message>
        <location filename="../window.py" line="163" />
        <source>&amp;Tools</source>
        <translation>工具(&amp;T)</translation>
    </message>
    <message>
        <location filename="../window.py" line="164" />
        <source>Train a model…</source>
        <translation>训练模型…</translation>
    </message>
    <message>
        <location filename="../window.py" line="165" />
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location filename="../window.py" line="166" />
        <source>Language (after a restart)</source>
        <translation>语言（重启后生效）</translation>
    </message>
    <message>
        <location filename="../window.py" line="169" />
        <source>System language</source>
        <translation>系统语言</translation>
    </message>
    <message>
        <location filename="../window.py" line="174" />
        <source>About…</source>
        <translation>关于…</translation>
    </message>
    <message numerus="yes">
        <location filename="../window.py" line="185" />
        <source>%n items</source>
        <translation><numerusform>%n 项</numerusform></translation>
    </message>
    <message>
        <location filename="../window.py" line="192" />
        <source>Open X-ray files</source>
        <translation>打开 X 光文件</translation>
    </message>
    <message>
        <location filename="../window.py" line="193" />
        <source>X-rays (*.png *.jpg *.jpeg *.tif *.tiff *.bmp *.dcm *.dicom);;All files (*)</source>
        <translation>X 光片 (*.png *.jpg *.jpeg *.tif *.tiff *.bmp *.dcm *.dicom);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../window.py" line="199" />
        <source>Open a folder of X-rays</source>
        <translation>打开 X 光片文件夹</translation>
    </message>
    <message numerus="yes">
        <location filename="../window.py" line="212" />
        <source>%n dropped item(s) are not local files and were ignored</source>
        <translation><numerusform>%n 个拖入的项目不是本地文件，已忽略</numerusform></translation>
    </message>
    <message numerus="yes">
        <location filename="../window.py" line="233" />
        <source>%1: %n file(s) are neither images nor DICOM and were skipped</source>
        <translation><numerusform>%1：%n 个文件既不是图像也不是 DICOM，已跳过</numerusform></translation>
    </message>
    <message>
        <location filename="../window.py" line="236" />
        <source>Nothing to classify in what was dropped</source>
        <translation>拖入的内容中没有可分类的文件</translation>
    </message>
    <message>
        <location filename="../window.py" line="244" />
        <source>Unfinished queue</source>
        <translation>未完成的队列</translation>
    </message>
    <message numerus="yes">
        <location filename="../window.py" line="245" />
        <source>%n item(s) were still queued when the app last closed. Resume them? Files already classified are taken from the results store.</source>
        <translation><numerusform>上次关闭应用时仍有 %n 项在队列中。是否继续？已分类的文件将直接取自结果库。</numerusform></translation>
    </message>
    <message>
        <location filename="../window.py" line="261" />
        <source>Something went wrong</source>
        <translation>出错了</translation>
    </message>
    <message>
        <location filename="../window.py" line="264" />
        <source>A batch stopped: %1</source>
        <translation>一个批次已停止：%1</translation>
    </message>
    <message numerus="yes">
        <location filename="../window.py" line="272" />
        <source>%n earlier result(s) loaded from the results store</source>
        <translation><numerusform>已从结果库载入 %n 条以往结果</numerusform></translation>
    </message>
    <message>
        <location filename="../window.py" line="281" />
        <source>Loading…</source>
        <translation>加载中…</translation>
    </message>
    <message>
        <location filename="../window.py" line="301" />
        <source>threshold %1</source>
        <translation>阈值 %1</translation>
    </message>
    <message>
        <location filename="../window.py" line="308" />
        <source>Research use only, not a diagnostic device.</source>
        <translation>仅供研究使用，不是诊断设备。</translation>
    </message>
    <message>
        <location filename="../window.py" line="338" />
        <location filename="../window.py" line="346" />
        <source>Export CSV</source>
        <translation>导出 CSV</translation>
    </message>
    <message>
        <location filename="../window.py" line="343" />
        <source>Exported %1 (threshold %2)</source>
        <translation>已导出 %1（阈值 %2）</translation>
    </message>
    <message>
        <location filename="../window.py" line="351" />
        <source>Select the images to report first</source>
        <translation>请先选择要写入报告的图像</translation>
    </message>
    <message>
        <location filename="../window.py" line="353" />
        <location filename="../window.py" line="364" />
        <source>Export PDF report</source>
        <translation>导出 PDF 报告</translation>
    </message>
    <message>
        <location filename="../window.py" line="359" />
        <source>Writing the report…</source>
        <translation>正在生成报告…</translation>
    </message>
    <message>
        <location filename="../window.py" line="366" />
        <source>Report written: %1</source>
        <translation>报告已写入：%1</translation>
    </message>
    <message>
        <location filename="../window.py" line="370" />
        <location filename="../window.py" line="376" />
        <source>Forget stored results</source>
        <translation>删除保存的结果</translation>
    </message>
    <message>
        <location filename="../window.py" line="371" />
        <source>Delete results recorded before (YYYY-MM-DD):</source>
        <translation>删除此日期之前记录的结果（YYYY-MM-DD）：</translation>
    </message>
    <message>
        <location filename="../window.py" line="376" />
        <source>Not a date: %1</source>
        <translation>不是有效日期：%1</translation>
    </message>
    <message numerus="yes">
        <location filename="../window.py" line="379" />
        <source>%n stored result(s) deleted</source>
        <translation><numerusform>已删除 %n 条保存的结果</numerusform></translation>
    </message>
    <message>
        <location filename="../window.py" line="387" />
        <source>Open a model bundle</source>
        <translation>打开模型包</translation>
    </message>
    <message>
        <location filename="../window.py" line="387" />
        <source>Model bundles (*.keras)</source>
        <translation>模型包 (*.keras)</translation>
    </message>
    <message>
        <location filename="../window.py" line="406" />
        <source>Model %1 · test AUC %2 · sensitivity %3 · specificity %4</source>
        <translation>模型 %1 · 测试 AUC %2 · 敏感度 %3 · 特异度 %4</translation>
    </message>
    <message>
        <location filename="../window.py" line="411" />
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location filename="../window.py" line="412" />
        <source>The previous model stays active.</source>
        <translation>之前的模型仍在使用。</translation>
    </message>
    <message>
        <location filename="../window.py" line="412" />
        <source>No model is active.</source>
        <translation>当前没有可用的模型。</translation>
    </message>
    <message>
        <location filename="../window.py" line="416" />
        <source>no model</source>
        <translation>无模型</translation>
    </message>
    <message>
        <location filename="../window.py" line="429" />
        <source>About this model</source>
        <translation>关于此模型</translation>
    </message>
    <message>
        <location filename="../window.py" line="435" />
        <source>About</source>
        <translation>关于</translation>
    </message>
    <message>
        <location filename="../window.py" line="436" />
        <source>Reads chest X-rays and says COVID-19 or Normal, with a probability and a heat map.</source>
        <translation>读取胸部 X 光片，判断 COVID-19 或正常，并给出概率和热力图。</translation>
    </message>
</context>
<context>
    <name>QueueModel</name>
    <message>
        <location filename="../queue_panel.py" line="22" />
        <source>Batch</source>
        <translation>批次</translation>
    </message>
    <message>
        <location filename="../queue_panel.py" line="22" />
        <source>Files</source>
        <translation>文件数</translation>
    </message>
    <message>
        <location filename="../queue_panel.py" line="22" />
        <source>Progress</source>
        <translation>进度</translation>
    </message>
    <message>
        <location filename="../queue_panel.py" line="22" />
        <source>Rate</source>
        <translation>速度</translation>
    </message>
    <message>
        <location filename="../queue_panel.py" line="22" />
        <source>Left</source>
        <translation>剩余</translation>
    </message>
    <message>
        <location filename="../queue_panel.py" line="23" />
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../queue_panel.py" line="59" />
        <source>%1 img/s</source>
        <translation>%1 张/秒</translation>
    </message>
    <message>
        <location filename="../queue_panel.py" line="65" />
        <source>queued</source>
        <translation>排队中</translation>
    </message>
    <message>
        <location filename="../queue_panel.py" line="65" />
        <source>running</source>
        <translation>运行中</translation>
    </message>
    <message>
        <location filename="../queue_panel.py" line="65" />
        <source>paused</source>
        <translation>已暂停</translation>
    </message>
    <message>
        <location filename="../queue_panel.py" line="66" />
        <source>done</source>
        <translation>完成</translation>
    </message>
    <message>
        <location filename="../queue_panel.py" line="66" />
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <location filename="../queue_panel.py" line="67" />
        <source>stopped by an error</source>
        <translation>因错误停止</translation>
    </message>
</context>
<context>
    <name>QueuePanel</name>
    <message>
        <location filename="../queue_panel.py" line="96" />
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <location filename="../queue_panel.py" line="97" />
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <location filename="../queue_panel.py" line="98" />
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>ResultsModel</name>
    <message>
        <location filename="../results.py" line="34" />
        <source>Image</source>
        <translation>图像</translation>
    </message>
    <message>
        <location filename="../results.py" line="34" />
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <location filename="../results.py" line="35" />
        <source>Folder</source>
        <translation>文件夹</translation>
    </message>
    <message>
        <location filename="../results.py" line="35" />
        <source>Label</source>
        <translation>标签</translation>
    </message>
    <message>
        <location filename="../results.py" line="36" />
        <source>P(COVID)</source>
        <translation>P(COVID)</translation>
    </message>
    <message>
        <location filename="../results.py" line="36" />
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../results.py" line="37" />
        <source>Patient ID</source>
        <translation>患者 ID</translation>
    </message>
    <message>
        <location filename="../results.py" line="37" />
        <source>Study date</source>
        <translation>检查日期</translation>
    </message>
    <message>
        <location filename="../results.py" line="38" />
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location filename="../results.py" line="38" />
        <source>Time</source>
        <translation>耗时</translation>
    </message>
    <message>
        <location filename="../results.py" line="124" />
        <source>COVID-19</source>
        <translation>COVID-19</translation>
    </message>
    <message>
        <location filename="../results.py" line="124" />
        <source>Normal</source>
        <translation>正常</translation>
    </message>
    <message>
        <location filename="../results.py" line="129" />
        <source>ok</source>
        <translation>已判读</translation>
    </message>
    <message>
        <location filename="../results.py" line="129" />
        <source>rejected</source>
        <translation>已拒绝</translation>
    </message>
    <message>
        <location filename="../results.py" line="130" />
        <source>error</source>
        <translation>错误</translation>
    </message>
</context>
<context>
    <name>TrainingDialog</name>
    <message>
        <location filename="../training_dialog.py" line="46" />
        <source>Train a model</source>
        <translation>训练模型</translation>
    </message>
    <message>
        <location filename="../training_dialog.py" line="87" />
        <source>Data</source>
        <translation>数据</translation>
    </message>
    <message>
        <location filename="../training_dialog.py" line="89" />
        <source>A folder with COVID/ and Normal/ sub-folders, or a manifest CSV</source>
        <translation>包含 COVID/ 和 Normal/ 子文件夹的文件夹，或清单 CSV</translation>
    </message>
    <message>
        <location filename="../training_dialog.py" line="91" />
        <source>Folder…</source>
        <translation>文件夹…</translation>
    </message>
    <message>
        <location filename="../training_dialog.py" line="93" />
        <source>Manifest CSV…</source>
        <translation>清单 CSV…</translation>
    </message>
    <message>
        <location filename="../training_dialog.py" line="100" />
        <source>train</source>
        <translation>训练</translation>
    </message>
    <message>
        <location filename="../training_dialog.py" line="100" />
        <source>val</source>
        <translation>验证</translation>
    </message>
    <message>
        <location filename="../training_dialog.py" line="100" />
        <source>test</source>
        <translation>测试</translation>
    </message>
    <message>
        <location filename="../training_dialog.py" line="101" />
        <source>all</source>
        <translation>全部</translation>
    </message>
    <message>
        <location filename="../training_dialog.py" line="102" />
        <source>COVID-19</source>
        <translation>COVID-19</translation>
    </message>
    <message>
        <location filename="../training_dialog.py" line="102" />
        <source>Normal</source>
        <translation>正常</translation>
    </message>
    <message>
        <location filename="../training_dialog.py" line="102" />
        <source>total</source>
        <translation>合计</translation>
    </message>
    <message>
        <location filename="../training_dialog.py" line="110" />
        <location filename="../training_dialog.py" line="319" />
        <source>Choose the training data.</source>
        <translation>请选择训练数据。</translation>
    </message>
    <message>
        <location filename="../training_dialog.py" line="117" />
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location filename="../training_dialog.py" line="123" />
        <source>default (ours: 192 px gray, 0.6 M parameters)</source>
        <translation>default（本项目：192 像素灰度，60 万参数）</translation>
    </message>
    <message>
        <location filename="../training_dialog.py" line="124" />
        <source>article (2020 CNN: 224 px RGB, 97 M parameters)</source>
        <translation>article（2020 年文章的 CNN：224 像素 RGB，9700 万参数）</translation>
    </message>
    <message>
        <location filename="../training_dialog.py" line="129" />
        <source>Checking the device…</source>
        <translation>正在检查设备…</translation>
    </message>
    <message>
        <location filename="../training_dialog.py" line="132" />
        <source>Epochs:</source>
        <translation>轮数：</translation>
    </message>
    <message>
        <location filename="../training_dialog.py" line="133" />
        <source>Architecture:</source>
        <translation>网络结构：</translation>
    </message>
    <message>
        <location filename="../training_dialog.py" line="134" />
        <source>Seed (data split and weights):</source>
        <translation>随机种子（数据划分和权重）：</translation>
    </message>
    <message>
        <location filename="../training_dialog.py" line="135" />
        <source>Device:</source>
        <translation>设备：</translation>
    </message>
    <message>
        <location filename="../training_dialog.py" line="137" />
        <source>Start</source>
        <translation>开始</translation>
    </message>
    <message>
        <location filename="../training_dialog.py" line="140" />
        <source>Cancel training</source>
        <translation>取消训练</translation>
    </message>
    <message>
        <location filename="../training_dialog.py" line="141" />
        <source>Stops after the current batch and keeps the best epoch so far.</source>
        <translation>在当前批次后停止，并保留目前最好的一轮。</translation>
    </message>
    <message>
        <location filename="../training_dialog.py" line="162" />
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location filename="../training_dialog.py" line="246" />
        <source>Starting…</source>
        <translation>正在启动…</translation>
    </message>
    <message>
        <location filename="../training_dialog.py" line="247" />
        <source>Waiting for the device check to finish…</source>
        <translation>正在等待设备检查完成…</translation>
    </message>
    <message>
        <location filename="../training_dialog.py" line="258" />
        <source>Stopping after this batch; the best finished epoch, if any, is kept…</source>
        <translation>将在此批次后停止；若已有完成的轮次，保留最好的一轮…</translation>
    </message>
    <message>
        <location filename="../training_dialog.py" line="268" />
        <source>Stopping the training before closing…</source>
        <translation>关闭前正在停止训练…</translation>
    </message>
    <message>
        <location filename="../training_dialog.py" line="303" />
        <source>Training data folder</source>
        <translation>训练数据文件夹</translation>
    </message>
    <message>
        <location filename="../training_dialog.py" line="308" />
        <source>Training manifest</source>
        <translation>训练清单</translation>
    </message>
    <message>
        <location filename="../training_dialog.py" line="309" />
        <source>Manifest (*.csv)</source>
        <translation>清单 (*.csv)</translation>
    </message>
    <message>
        <location filename="../training_dialog.py" line="322" />
        <source>Counting images…</source>
        <translation>正在统计图像…</translation>
    </message>
    <message>
        <location filename="../training_dialog.py" line="343" />
        <source>{0}; {1} source(s): {2}. Split by patient with seed {3}.</source>
        <translation>{0}；{1} 个来源：{2}。按患者划分，随机种子 {3}。</translation>
    </message>
    <message>
        <location filename="../training_dialog.py" line="387" />
        <source>The device check failed: {0}</source>
        <translation>设备检查失败：{0}</translation>
    </message>
    <message>
        <location filename="../training_dialog.py" line="395" />
        <source>Trains on {0}.</source>
        <translation>在 {0} 上训练。</translation>
    </message>
    <message>
        <location filename="../training_dialog.py" line="401" />
        <source>this will take less than a minute</source>
        <translation>不到一分钟即可完成</translation>
    </message>
    <message>
        <location filename="../training_dialog.py" line="402" />
        <source>this will take about {0} minutes</source>
        <translation>大约需要 {0} 分钟</translation>
    </message>
    <message>
        <location filename="../training_dialog.py" line="403" />
        <source>Trains on {0} — {1}.</source>
        <translation>在 {0} 上训练 — {1}。</translation>
    </message>
    <message>
        <location filename="../training_dialog.py" line="405" />
        <source>No GPU is used here: for GPU training run `covidxray train` with a GPU-enabled backend (Linux or WSL2; see the README).</source>
        <translation>此处不使用 GPU：如需 GPU 训练，请在支持 GPU 的后端上运行 `covidxray train`（Linux 或 WSL2；见 README）。</translation>
    </message>
    <message>
        <location filename="../training_dialog.py" line="415" />
        <source>Epoch {0} of {1}, batch {2} of {3} — {4:.0f} images/s — {5} left</source>
        <translation>第 {0}/{1} 轮，第 {2}/{3} 批 — {4:.0f} 张/秒 — 剩余 {5}</translation>
    </message>
    <message>
        <location filename="../training_dialog.py" line="425" />
        <source>Epoch {0} of {1} done: val AUC {2:.3f} (best: epoch {3}) — {4:.0f} images/s — {5} left</source>
        <translation>第 {0}/{1} 轮完成：验证 AUC {2:.3f}（最佳：第 {3} 轮）— {4:.0f} 张/秒 — 剩余 {5}</translation>
    </message>
    <message>
        <location filename="../training_dialog.py" line="434" />
        <source>{0} s</source>
        <translation>{0} 秒</translation>
    </message>
    <message>
        <location filename="../training_dialog.py" line="435" />
        <source>{0} min</source>
        <translation>{0} 分钟</translation>
    </message>
    <message>
        <location filename="../training_dialog.py" line="447" />
        <source>Cancelled after epoch {0}; the best epoch ({1}) was kept as {2}.</source>
        <translation>在第 {0} 轮后取消；最佳轮次（{1}）已保存为 {2}。</translation>
    </message>
    <message>
        <location filename="../training_dialog.py" line="450" />
        <source>Finished: {0} (best epoch {1}).</source>
        <translation>完成：{0}（最佳轮次 {1}）。</translation>
    </message>
    <message>
        <location filename="../training_dialog.py" line="459" />
        <source>Cancelled before the first epoch finished; nothing was saved.</source>
        <translation>在第一轮完成前取消；未保存任何内容。</translation>
    </message>
    <message>
        <location filename="../training_dialog.py" line="486" />
        <source>The app now uses {0}.</source>
        <translation>应用现在使用 {0}。</translation>
    </message>
    <message>
        <location filename="../training_dialog.py" line="506" />
        <source>Something went wrong: {0}</source>
        <translation>出错了：{0}</translation>
    </message>
</context>
<context>
    <name>TrainingReport</name>
    <message>
        <location filename="../training_report.py" line="11" />
        <source>Report</source>
        <translation>报告</translation>
    </message>
    <message>
        <location filename="../training_report.py" line="19" />
        <source>split</source>
        <translation>划分</translation>
    </message>
    <message>
        <location filename="../training_report.py" line="19" />
        <source>group</source>
        <translation>分组</translation>
    </message>
    <message>
        <location filename="../training_report.py" line="19" />
        <source>n</source>
        <translation>数量</translation>
    </message>
    <message>
        <location filename="../training_report.py" line="19" />
        <source>AUC [95 % CI]</source>
        <translation>AUC [95% 置信区间]</translation>
    </message>
    <message>
        <location filename="../training_report.py" line="20" />
        <source>sensitivity</source>
        <translation>敏感度</translation>
    </message>
    <message>
        <location filename="../training_report.py" line="20" />
        <source>specificity</source>
        <translation>特异度</translation>
    </message>
    <message>
        <location filename="../training_report.py" line="20" />
        <source>balanced acc.</source>
        <translation>平衡准确率</translation>
    </message>
    <message>
        <location filename="../training_report.py" line="24" />
        <source>Use this model</source>
        <translation>使用此模型</translation>
    </message>
    <message>
        <location filename="../training_report.py" line="25" />
        <source>Classify with the new model from now on; until then the old one stays.</source>
        <translation>从现在起用新模型分类；在此之前仍使用旧模型。</translation>
    </message>
    <message>
        <location filename="../training_report.py" line="37" />
        <source>{0}, trained on {1} in {2}; threshold {3:.3f} (COVID-19 sensitivity ≥ 0.95 on val).
Model: {4}
Report: {5}</source>
        <translation>{0}，在 {1} 上训练，用时 {2}；阈值 {3:.3f}（验证集上 COVID-19 敏感度 ≥ 0.95）。
模型：{4}
报告：{5}</translation>
    </message>
    <message>
        <location filename="../training_report.py" line="52" />
        <source>No ROC figure (a split lacks one of the classes).</source>
        <translation>没有 ROC 图（某个划分缺少其中一类）。</translation>
    </message>
    <message>
        <location filename="../training_report.py" line="66" />
        <source>all</source>
        <translation>全部</translation>
    </message>
    <message>
        <location filename="../training_report.py" line="67" />
        <source>class {0}</source>
        <translation>类别 {0}</translation>
    </message>
    <message>
        <location filename="../training_report.py" line="68" />
        <source>source {0}</source>
        <translation>来源 {0}</translation>
    </message>
</context>
<context>
    <name>Viewer</name>
    <message>
        <location filename="../viewer.py" line="108" />
        <source>Wheel: zoom · drag: pan · right-drag: brightness/contrast (window/level)</source>
        <translation>滚轮：缩放 · 拖动：平移 · 右键拖动：亮度/对比度（窗宽/窗位）</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="113" />
        <source>Heat map</source>
        <translation>热力图</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="114" />
        <source>Show the heat map over the image (H)</source>
        <translation>在图像上显示热力图 (H)</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="116" />
        <source>Heat-map opacity</source>
        <translation>热力图不透明度</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="118" />
        <source>Invert</source>
        <translation>反相</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="118" />
        <source>Swap dark and light (I)</source>
        <translation>明暗互换 (I)</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="124" />
        <source>Fit</source>
        <translation>适应窗口</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="124" />
        <source>Fit the whole image in the view (F)</source>
        <translation>整幅图像适应视图 (F)</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="126" />
        <source>1:1</source>
        <translation>1:1</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="126" />
        <source>One image pixel per screen pixel</source>
        <translation>一个图像像素对应一个屏幕像素</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="128" />
        <source>Reset window</source>
        <translation>重置窗宽窗位</translation>
    </message>
    <message>
        <location filename="../viewer.py" line="129" />
        <source>Restore the original brightness and contrast</source>
        <translation>恢复原始亮度和对比度</translation>
    </message>
</context>
</TS>